import type { ServerResponse } from 'node:http';

/** Server-sent events in the OpenAI style: `data: <json>` events, ended by `data: [DONE]`. */
export class SseWriter {
  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
  }

  /** Sends one event; a client that went away is ignored (its generation is aborted elsewhere). */
  send(value: unknown): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    this.res.write(`data: ${JSON.stringify(value)}\n\n`);
  }

  end(): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    this.res.write('data: [DONE]\n\n');
    this.res.end();
  }
}
