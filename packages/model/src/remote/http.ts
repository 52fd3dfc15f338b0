import { RemoteModelError } from '../errors.js';
import { type CacheManifest, type ModelStore, PARTIAL, writeManifest } from './store.js';

/** A file of a remote model folder as its server describes it. */
export interface RemoteFile {
  name: string;
  url: string;
  /** Content-Length (null when the server does not say). */
  size: number | null;
  etag: string | null;
  lastModified: string | null;
}

/** What a download needs: where the files go, how to fetch, how often to resume. */
export interface Transfer {
  store: ModelStore;
  entry: string;
  manifest: CacheManifest;
  fetch: typeof fetch;
  signal: AbortSignal | undefined;
  retries: number;
  headers: Record<string, string>;
}

/**
 * Bytes written between commits of a partial file: each commit makes what came so far durable, so an interrupted
 * download (a closed tab, a killed process) resumes from the last one.
 */
const COMMIT_BYTES = 64 * 2 ** 20;

// identity: a byte range and a size mean the file's bytes, not a compressed stream's (browsers drop the header)
const IDENTITY = { 'accept-encoding': 'identity' };

function statusError(url: string, name: string, status: number, what = ''): RemoteModelError {
  if (status === 404) return new RemoteModelError(`not found (404)${what}`, url, name, 404, 'NOT_FOUND');
  return new RemoteModelError(`HTTP ${status}${what}`, url, name, status, 'HTTP');
}

/** The size a response announces for its body, when the body is the file's bytes (no content coding). */
function bodyLength(res: Response): number | null {
  const coding = res.headers.get('content-encoding');
  if (coding !== null && coding !== 'identity') return null;
  const n = Number(res.headers.get('content-length') ?? Number.NaN);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** HEAD of a file: its size and validators, or null when the server answers 404. */
export async function probeFile(t: Transfer, url: string, name: string): Promise<RemoteFile | null> {
  const res = await t.fetch(url, {
    method: 'HEAD',
    headers: { ...t.headers, ...IDENTITY },
    signal: t.signal,
  });
  if (res.status === 404) return null;
  if (!res.ok) throw statusError(url, name, res.status, ' on HEAD');
  return {
    name,
    url,
    size: bodyLength(res),
    etag: res.headers.get('etag'),
    lastModified: res.headers.get('last-modified'),
  };
}

/** Thrown when a body ends before its announced size: resumed like a dropped connection. */
class EndedEarly extends Error {}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * Downloads `f` into the store as `<name>.partial` and renames it into place once every byte is there, resuming
 * from the bytes already written (a Range request with If-Range on the ETag, so a changed file starts over; a
 * server without ranges sends it all again). Dropped connections are resumed `t.retries` times. `onBytes` gets
 * the bytes of the file present so far.
 */
export async function downloadFile(t: Transfer, f: RemoteFile, onBytes: (n: number) => void): Promise<void> {
  const partial = f.name + PARTIAL;
  const record = t.manifest.files[f.name];
  const resumable =
    record !== undefined &&
    !record.complete &&
    record.size === (f.size ?? 0) &&
    (record.etag ?? record.lastModified) !== null &&
    (record.etag ?? record.lastModified) === (f.etag ?? f.lastModified);
  let offset = resumable ? ((await t.store.size(t.entry, partial)) ?? 0) : 0;
  // recorded before the first byte lands, so that a later run knows which version the partial file holds
  t.manifest.files[f.name] = {
    size: f.size ?? 0,
    etag: f.etag,
    lastModified: f.lastModified,
    complete: false,
  };
  await writeManifest(t.store, t.entry, t.manifest);
  for (let attempt = 0; ; attempt++) {
    try {
      const size = await transfer(t, f, offset, onBytes);
      await t.store.rename(t.entry, partial, f.name);
      t.manifest.files[f.name] = { ...(t.manifest.files[f.name] ?? f), size, complete: true };
      await writeManifest(t.store, t.entry, t.manifest);
      return;
    } catch (err) {
      if (t.signal?.aborted || err instanceof RemoteModelError) throw err;
      if (attempt >= t.retries) {
        const e = new RemoteModelError(
          `transfer failed after ${attempt + 1} attempts: ${(err as Error).message}`,
          f.url,
          f.name,
          null,
          'NETWORK',
        );
        (e as { cause?: unknown }).cause = err;
        throw e;
      }
      offset = (await t.store.size(t.entry, partial)) ?? 0;
      await sleep(200 * 2 ** attempt, t.signal);
    }
  }
}

/** One GET of `f` from `offset` into its partial file; returns the file's final size. */
async function transfer(
  t: Transfer,
  f: RemoteFile,
  offset: number,
  onBytes: (n: number) => void,
): Promise<number> {
  const headers: Record<string, string> = { ...t.headers, ...IDENTITY };
  const validator = f.etag ?? f.lastModified;
  if (offset > 0 && validator !== null) {
    headers.range = `bytes=${offset}-`;
    headers['if-range'] = validator;
  }
  let res = await t.fetch(f.url, { headers, signal: t.signal });
  if (res.status === 416) {
    // the partial file is not a prefix of what the server has now: start over
    await res.body?.cancel();
    res = await t.fetch(f.url, { headers: { ...t.headers, ...IDENTITY }, signal: t.signal });
  }
  let start = 0;
  let expected: number | null;
  if (res.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    if (range === null || Number(range[1]) !== offset)
      throw new RemoteModelError(
        `answered Range bytes=${offset}- with Content-Range ${res.headers.get('content-range')}`,
        f.url,
        f.name,
        206,
        'HTTP',
      );
    start = offset;
    expected = Number(range[3]);
  } else if (res.ok) {
    expected = bodyLength(res);
    // the server sent the whole file (no range support, or If-Range saw a new version): record that version
    const record = t.manifest.files[f.name];
    if (record !== undefined) {
      record.etag = res.headers.get('etag') ?? record.etag;
      record.lastModified = res.headers.get('last-modified') ?? record.lastModified;
      if (expected !== null) record.size = expected;
    }
  } else {
    await res.body?.cancel();
    throw statusError(f.url, f.name, res.status);
  }
  if (f.size !== null && res.status === 206 && expected !== f.size)
    throw new RemoteModelError(
      `is ${expected} bytes now, ${f.size} when first asked: changed mid-download`,
      f.url,
      f.name,
      206,
      'TRUNCATED',
    );
  const partial = f.name + PARTIAL;
  let writer = await t.store.openWriter(t.entry, partial, start);
  let done = start;
  onBytes(done);
  try {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let sinceCommit = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      if (expected !== null && done + value.byteLength > expected)
        throw new RemoteModelError(
          `sent more than the ${expected} bytes it announced`,
          f.url,
          f.name,
          res.status,
          'TRUNCATED',
        );
      await writer.write(value);
      done += value.byteLength;
      sinceCommit += value.byteLength;
      onBytes(done);
      if (sinceCommit >= COMMIT_BYTES) {
        await writer.close();
        writer = await t.store.openWriter(t.entry, partial, done);
        sinceCommit = 0;
      }
    }
    if (expected !== null && done < expected) throw new EndedEarly(`ended at byte ${done} of ${expected}`);
  } catch (err) {
    // what arrived is kept (durably) for the resume
    await writer.close().catch(() => {});
    throw err;
  }
  await writer.close();
  return done;
}
