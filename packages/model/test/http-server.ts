import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** One request the server answered: method, file path and Range header. */
export interface LoggedRequest {
  method: string;
  path: string;
  range: string | null;
  status: number;
}

/**
 * A static file server on 127.0.0.1 for the load-by-URL tests: serves `root` with ETag (from `etagVersion`, size
 * and mtime), Range and If-Range like a CDN; can be told to ignore ranges, and to drop the connection after N body
 * bytes of a file (once per `dropAfter` entry). Logs every request.
 */
export class ModelServer {
  readonly requests: LoggedRequest[] = [];
  /** Path (e.g. `/model-00001-of-00002.safetensors`) → body bytes sent before the socket is destroyed, once. */
  readonly dropAfter = new Map<string, number>();
  ranges = true;
  etagVersion = 'v1';
  private server: Server | null = null;

  constructor(readonly root: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** GET requests that carried bytes of files whose name matches. */
  bodyRequests(name: RegExp): LoggedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && name.test(r.path) && r.status < 300);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range ?? null;
    const log = (status: number) => this.requests.push({ method: req.method ?? '', path, range, status });
    let size: number;
    let etag: string;
    const file = join(this.root, path);
    try {
      const s = statSync(file);
      if (!s.isFile()) throw new Error('not a file');
      size = s.size;
      etag = `"${this.etagVersion}-${s.size}-${Math.floor(s.mtimeMs)}"`;
    } catch {
      log(404);
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
    const ifRange = req.headers['if-range'];
    if (this.ranges && m !== null && (ifRange === undefined || ifRange === etag)) {
      start = Number(m[1]);
      end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start >= size) {
        log(416);
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    const headers: Record<string, string | number> = {
      etag,
      'content-length': end - start + 1,
      'content-type': 'application/octet-stream',
    };
    if (this.ranges) headers['accept-ranges'] = 'bytes';
    if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
    log(status);
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const drop = this.dropAfter.get(path);
    if (drop === undefined) {
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    this.dropAfter.delete(path);
    const stream = createReadStream(file, { start, end: Math.min(end, start + drop - 1) });
    stream.on('data', (chunk) => res.write(chunk));
    // the connection closes mid-response (a FIN after the bytes, so the client surely has them all)
    stream.on('end', () => res.socket?.end());
  }
}
