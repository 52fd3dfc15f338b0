import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AssistantDelta } from '../assistant-stream.js';
import { type AssistantTurn, assistantTurn, type ChatFormat } from '../chat.js';
import type { Engine } from '../engine.js';
import {
  InferenceError,
  PromptError,
  QueueFullError,
  RequestError,
  SamplingOptionError,
  ShutdownError,
} from '../errors.js';
import type { GenerationResult } from '../generate.js';
import type { ToolSpec } from '../tools.js';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from './metrics.js';
import { type Limits, parseBody, parseChatRequest, parseCompletionRequest } from './request.js';
import { SseWriter } from './sse.js';

export interface ServerOptions {
  /** The chat template; without one only `/v1/completions` works (e.g. a model dir without tokenizer files). */
  format?: ChatFormat | null;
  /** Model id reported by `/v1/models` and in responses; default the engine's model name. */
  modelName?: string;
  /** Largest request body accepted (413 beyond). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest `max_tokens` a request may ask for (400 beyond). Default min(4096, context length). */
  maxTokens?: number;
  /** `max_tokens` when a request gives none. Default min(512, maxTokens). */
  defaultMaxTokens?: number;
  /**
   * Tools offered to a chat request that has no `tools` field (e.g. a checkpoint's `tools.json`, see
   * `manifestToolSpecs`); `"tools": []` or `tool_choice: "none"` still turns them off. The server never
   * runs a tool: as the OpenAI API has it, the reply carries the tool calls and the client runs them.
   */
  tools?: readonly ToolSpec[];
}

/**
 * An OpenAI-compatible HTTP server over one engine: `GET /v1/models`, `POST /v1/chat/completions`
 * and `POST /v1/completions`, with SSE streaming, tools, stop strings, seeds and usage counts; `GET /health` and
 * `GET /metrics` (Prometheus text). Requests share the engine's scheduler (continuous batching: the running
 * requests decode together; the next ones queue; 429 when the queue is full).
 */
export class InferenceServer {
  readonly http: Server;
  private readonly modelName: string;
  private readonly limits: Limits;
  private readonly maxBodyBytes: number;
  private readonly format: ChatFormat | null;
  private readonly defaultTools: readonly ToolSpec[];
  private closing = false;
  private readonly created = Math.floor(Date.now() / 1000);
  /** Responses sent, by HTTP status (for /metrics). */
  private readonly responses = new Map<number, number>();

  constructor(
    readonly engine: Engine,
    options: ServerOptions = {},
  ) {
    this.format = options.format ?? null;
    this.defaultTools = options.tools ?? [];
    this.modelName = options.modelName ?? engine.model.name;
    this.maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
    const maxTokens = options.maxTokens ?? Math.min(4096, engine.model.contextLength);
    this.limits = {
      maxTokens,
      defaultMaxTokens: options.defaultMaxTokens ?? Math.min(512, maxTokens),
      vocabSize: engine.model.vocabSize,
    };
    this.http = createHttpServer((req, res) => {
      // While shutting down, a finished response leaves an idle keep-alive connection: close it at once.
      res.on('finish', () => {
        this.responses.set(res.statusCode, (this.responses.get(res.statusCode) ?? 0) + 1);
        if (this.closing) setImmediate(() => this.http.closeIdleConnections());
      });
      this.handle(req, res).catch((err) => this.fail(res, err));
    });
    // Node closes an idle keep-alive connection after 5 s; a timer that fires late because a model step held the
    // event loop can close one a client has just reused (ECONNRESET under load). Idle connections are cheap.
    this.http.keepAliveTimeout = 65_000;
  }

  /** Starts listening (port 0 picks a free port); resolves with the base URL, e.g. http://127.0.0.1:8080. */
  listen(port = 0, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve(this.url);
      });
    });
  }

  get url(): string {
    const a = this.http.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** Graceful shutdown: refuse new requests (503), let in-flight streams finish, then close every connection. */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    await this.engine.close();
    this.http.closeIdleConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.closing) throw new ShutdownError();
    const path = (req.url ?? '/').split('?')[0];
    const route = `${req.method} ${path}`;
    if (route === 'GET /health') return this.health(res);
    if (route === 'GET /metrics') return this.metrics(res);
    if (route === 'GET /v1/models') return this.json(res, 200, { object: 'list', data: [this.modelCard()] });
    if (route === `GET /v1/models/${this.modelName}`) return this.json(res, 200, this.modelCard());
    if (route === 'POST /v1/chat/completions') return this.chat(res, await this.body(req), req);
    if (route === 'POST /v1/completions') return this.completion(res, await this.body(req), req);
    const known = ['/v1/models', '/v1/chat/completions', '/v1/completions', '/health', '/metrics'].includes(
      path ?? '',
    );
    throw known
      ? new RequestError(405, `method ${req.method} is not allowed on ${path}`, null, 'method_not_allowed')
      : new RequestError(404, `no route ${req.method} ${path}`, null, 'not_found');
  }

  /** 200 while serving (a shutting-down server answers 503 before reaching here). */
  private health(res: ServerResponse): void {
    const s = this.engine.scheduler;
    this.json(res, 200, {
      status: 'ok',
      model: this.modelName,
      running: s.runningRequests,
      waiting: s.waitingRequests,
    });
  }

  private metrics(res: ServerResponse): void {
    const text = prometheusText(this.engine.scheduler, this.modelName, this.responses);
    res.writeHead(200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private modelCard() {
    return { id: this.modelName, object: 'model', created: this.created, owned_by: 'agentlm' };
  }

  private body(req: IncomingMessage): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const declared = Number(req.headers['content-length'] ?? 0);
      const tooLarge = () =>
        new RequestError(
          413,
          `the body exceeds the limit of ${this.maxBodyBytes} bytes`,
          null,
          'body_too_large',
        );
      if (declared > this.maxBodyBytes) {
        req.resume();
        return reject(tooLarge());
      }
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          req.removeAllListeners('data');
          req.resume();
          reject(tooLarge());
        } else chunks.push(chunk);
      });
      req.on('end', () => {
        try {
          resolve(parseBody(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
      req.on('error', reject);
    });
  }

  private async chat(
    res: ServerResponse,
    body: Record<string, unknown>,
    req: IncomingMessage,
  ): Promise<void> {
    const request = parseChatRequest(body, this.limits, this.defaultTools);
    if (this.format === null) {
      throw new RequestError(
        400,
        'this model has no tokenizer or chat template; use /v1/completions with token ids',
      );
    }
    const id = `chatcmpl-${randomUUID()}`;
    const abort = abortOnDisconnect(req, res);
    const session = this.engine.createSession(request.user ?? id);
    try {
      const turn = assistantTurn(session, this.format, request.messages, {
        ...request.options,
        tools: request.tools,
        thinking: request.thinking,
        prefill: request.prefill,
        signal: abort.signal,
      });
      const first = await turn.next(); // admission and prompt errors surface here, before any header
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
        id,
        object: 'chat.completion.chunk',
        created: nowSeconds(),
        model: this.modelName,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      });
      const sse = request.stream ? new SseWriter(res) : null;
      sse?.send(chunk({ role: 'assistant', content: '' }));
      const toDelta = (d: AssistantDelta) =>
        d.kind === 'content' ? { content: d.text } : { reasoning_content: d.text };
      let step = first;
      while (!step.done) {
        sse?.send(chunk(toDelta(step.value)));
        step = await turn.next();
      }
      const done: AssistantTurn = step.value;
      const toolCalls = (done.message.toolCalls ?? []).map((c, index) => ({
        index,
        id: c.id,
        type: 'function' as const,
        function: { name: c.name, arguments: JSON.stringify(c.arguments) },
      }));
      const finish = toolCalls.length > 0 ? 'tool_calls' : finishReason(done.generation);
      const usage = usageOf(done.generation);
      if (sse !== null) {
        if (toolCalls.length > 0) sse.send(chunk({ tool_calls: toolCalls }));
        sse.send(chunk({}, finish));
        if (request.includeUsage) sse.send({ ...chunk({}), choices: [], usage });
        return sse.end();
      }
      const message: Record<string, unknown> = { role: 'assistant', content: done.message.content };
      if (done.message.reasoning !== undefined) message.reasoning_content = done.message.reasoning;
      if (toolCalls.length > 0) message.tool_calls = toolCalls.map(({ index: _i, ...c }) => c);
      this.json(res, 200, {
        id,
        object: 'chat.completion',
        created: nowSeconds(),
        model: this.modelName,
        choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
        usage,
      });
    } finally {
      session.dispose();
    }
  }

  private async completion(
    res: ServerResponse,
    body: Record<string, unknown>,
    req: IncomingMessage,
  ): Promise<void> {
    const request = parseCompletionRequest(body, this.limits);
    const id = `cmpl-${randomUUID()}`;
    const abort = abortOnDisconnect(req, res);
    const session = this.engine.createSession(request.user ?? id);
    try {
      const generation = session.generate(request.prompt, { ...request.options, signal: abort.signal });
      const tokens = generation[Symbol.asyncIterator]();
      const first = await tokens.next();
      const chunk = (text: string, finish: string | null) => ({
        id,
        object: 'text_completion',
        created: nowSeconds(),
        model: this.modelName,
        choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
      });
      const sse = request.stream ? new SseWriter(res) : null;
      for (let step = first; !step.done; step = await tokens.next()) {
        if (step.value.text.length > 0) sse?.send(chunk(step.value.text, null));
      }
      const result = await generation.result;
      if (sse !== null) {
        sse.send(chunk('', finishReason(result)));
        if (request.includeUsage) sse.send({ ...chunk('', null), choices: [], usage: usageOf(result) });
        return sse.end();
      }
      this.json(res, 200, { ...chunk(result.text, finishReason(result)), usage: usageOf(result) });
    } finally {
      session.dispose();
    }
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    const text = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  /** Any failure becomes an OpenAI-style error body (or an SSE error event once a stream has started). */
  private fail(res: ServerResponse, err: unknown): void {
    const { status, body } = errorBody(err);
    if (res.headersSent) {
      if (!res.writableEnded) {
        res.write(`data: ${JSON.stringify(body)}\n\n`);
        res.end();
      }
      return;
    }
    this.json(res, status, body);
  }
}

/** Creates (does not start) a server; call `listen`. */
export function createServer(engine: Engine, options: ServerOptions = {}): InferenceServer {
  return new InferenceServer(engine, options);
}

function errorBody(err: unknown): { status: number; body: unknown } {
  const pick = (): [number, string, string | null, string] => {
    if (err instanceof RequestError) {
      const type =
        err.status === 413
          ? 'invalid_request_error'
          : err.status >= 500
            ? 'server_error'
            : 'invalid_request_error';
      return [err.status, type, err.param, err.code];
    }
    if (err instanceof QueueFullError) return [429, 'rate_limit_error', null, 'queue_full'];
    if (err instanceof ShutdownError) return [503, 'server_error', null, 'shutting_down'];
    if (err instanceof PromptError || err instanceof SamplingOptionError) {
      return [400, 'invalid_request_error', null, err.code.toLowerCase()];
    }
    if (err instanceof InferenceError) return [500, 'server_error', null, err.code.toLowerCase()];
    return [500, 'server_error', null, 'internal_error'];
  };
  const [status, type, param, code] = pick();
  const message = err instanceof Error ? err.message : String(err);
  return { status, body: { error: { message, type, param, code } } };
}

function abortOnDisconnect(req: IncomingMessage, res: ServerResponse): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  req.on('aborted', () => controller.abort());
  return controller;
}

function finishReason(r: GenerationResult): 'stop' | 'length' {
  return r.finishReason === 'length' ? 'length' : 'stop';
}

function usageOf(r: GenerationResult) {
  return {
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.promptTokens + r.completionTokens,
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
