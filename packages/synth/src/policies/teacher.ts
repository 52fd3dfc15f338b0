import { conversation, SYSTEM_PROMPT } from '../cot.js';
import { SynthOptionError, TeacherError } from '../errors.js';
import { type ChatFormat, youtuFormat } from '../format.js';
import { addUsage, emptyUsage, type Policy, type PolicySession } from '../policy.js';
import type { AgentTurn, EpisodeTurn, Observation, Task, ToolCall, Usage } from '../types.js';

export interface OpenAITeacherOptions {
  /** Base URL of any OpenAI-compatible server, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`. */
  baseURL: string;
  model: string;
  apiKey?: string;
  /** Attempts after the first for 429, 5xx, timeouts, connection errors and malformed tool calls (default 4). */
  maxRetries?: number;
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number;
  /** First backoff delay, doubled per retry up to `maxBackoffMs` (defaults 500 ms and 8 s); a Retry-After header wins. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Requests started per minute at most (default unlimited). */
  requestsPerMinute?: number;
  /** Requests in flight at most, across all episodes using this teacher (default 4). */
  maxConcurrency?: number;
  /** US$ per million tokens, for the cost estimate in usage. */
  pricing?: { prompt: number; completion: number };
  temperature?: number;
  maxTokens?: number;
  system?: string;
  /** Parses `<tool_call>` blocks when a server returns them inside the text (default: the Youtu format). */
  format?: ChatFormat;
}

/** The slice of the `openai` client this policy uses (so tests and other clients can stand in). */
interface ChatCompletionsClient {
  chat: {
    completions: {
      create(body: Record<string, unknown>, options?: Record<string, unknown>): Promise<CompletionLike>;
    };
  };
}

interface CompletionLike {
  choices: {
    message: {
      content?: string | null;
      reasoning_content?: string | null;
      tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] | null;
    };
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why a request failed, and whether another attempt may succeed. */
function classify(err: unknown): { retryable: boolean; reason: string; retryAfterMs?: number } {
  const e = err as {
    status?: number;
    name?: string;
    message?: string;
    headers?: Headers | Record<string, string>;
  };
  if (err instanceof TeacherError) return { retryable: err.retryable, reason: err.message };
  const status = e.status;
  const retryAfter = e.headers instanceof Headers ? e.headers.get('retry-after') : e.headers?.['retry-after'];
  const retryAfterMs =
    retryAfter && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : undefined;
  if (status === 429 || (status !== undefined && status >= 500))
    return { retryable: true, reason: `HTTP ${status}`, ...(retryAfterMs ? { retryAfterMs } : {}) };
  if (status !== undefined) return { retryable: false, reason: `HTTP ${status}: ${e.message ?? ''}` };
  // No status: a timeout or a connection failure.
  return { retryable: true, reason: `${e.name ?? 'Error'}: ${e.message ?? String(err)}` };
}

/**
 * An LLM teacher behind any OpenAI-compatible endpoint (the `openai` package, loaded on first use).
 * Retries 429, 5xx, timeouts, connection errors and replies with malformed tool calls, with
 * exponential backoff; when the retries run out the episode fails with a `TeacherError` (the dataset
 * run records nothing for it, so a rerun tries it again). Counts tokens and estimated cost.
 */
export class OpenAITeacher implements Policy {
  readonly name = 'openai';
  readonly model: string;
  /** Usage summed over every episode this teacher ran. */
  readonly usage: Usage = emptyUsage();
  private client: Promise<ChatCompletionsClient> | undefined;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;

  constructor(private readonly options: OpenAITeacherOptions) {
    if (!options.baseURL) throw new SynthOptionError('teacher baseURL', options.baseURL, 'a URL');
    if (!options.model) throw new SynthOptionError('teacher model', options.model, 'a model name');
    this.model = options.model;
  }

  private getClient(): Promise<ChatCompletionsClient> {
    this.client ??= import('openai')
      .then(
        ({ default: OpenAI }) =>
          new OpenAI({
            baseURL: this.options.baseURL,
            apiKey: this.options.apiKey ?? 'none',
            timeout: this.options.timeoutMs ?? 60_000,
            maxRetries: 0,
          }) as unknown as ChatCompletionsClient,
      )
      .catch((err: unknown) => {
        throw new TeacherError(
          `the openai package is needed for the OpenAI teacher (npm install openai@6): ${(err as Error).message}`,
          false,
        );
      });
    return this.client;
  }

  /** Waits for a concurrency slot and for the rate limit, then runs `fn`. */
  private async throttled<T>(fn: () => Promise<T>): Promise<T> {
    while (this.inFlight >= (this.options.maxConcurrency ?? 4))
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      if (this.options.requestsPerMinute) {
        const now = Date.now();
        const start = Math.max(now, this.nextStart);
        this.nextStart = start + 60_000 / this.options.requestsPerMinute;
        await sleep(start - now);
      }
      return await fn();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  /** One assistant turn, with retries; `usage` collects the episode's tokens. */
  async complete(task: Task, turns: EpisodeTurn[], usage: Usage): Promise<AgentTurn> {
    const client = await this.getClient();
    const messages = conversation(task, turns, this.options.system ?? SYSTEM_PROMPT).map((m) => ({
      role: m.role,
      content: m.role === 'assistant' ? m.content.replace(/^<think>[\s\S]*?<\/think>\s*/, '') : m.content,
      ...(m.tool_calls
        ? {
            tool_calls: m.tool_calls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.function.name, arguments: JSON.stringify(c.function.arguments) },
            })),
          }
        : {}),
      ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}),
    }));
    const body = {
      model: this.model,
      messages,
      ...(task.tools.length ? { tools: task.tools } : {}),
      ...(this.options.temperature === undefined ? {} : { temperature: this.options.temperature }),
      ...(this.options.maxTokens === undefined ? {} : { max_tokens: this.options.maxTokens }),
    };
    const maxRetries = this.options.maxRetries ?? 4;
    for (let attempt = 0; ; attempt++) {
      try {
        const reply = await this.throttled(() => client.chat.completions.create(body));
        const spent = emptyUsage();
        spent.requests = 1;
        spent.promptTokens = reply.usage?.prompt_tokens ?? 0;
        spent.completionTokens = reply.usage?.completion_tokens ?? 0;
        spent.costUsd =
          ((this.options.pricing?.prompt ?? 0) * spent.promptTokens +
            (this.options.pricing?.completion ?? 0) * spent.completionTokens) /
          1e6;
        addUsage(usage, spent);
        addUsage(this.usage, spent);
        return this.toTurn(reply, turns.length);
      } catch (err) {
        const { retryable, reason, retryAfterMs } = classify(err);
        if (!retryable || attempt >= maxRetries)
          throw new TeacherError(
            `${this.options.baseURL}: ${reason} (after ${attempt + 1} attempt(s))`,
            retryable,
          );
        usage.retries++;
        this.usage.retries++;
        const backoff = Math.min(
          (this.options.backoffMs ?? 500) * 2 ** attempt,
          this.options.maxBackoffMs ?? 8000,
        );
        await sleep(retryAfterMs ?? backoff);
      }
    }
  }

  /** Reads a completion into a turn; malformed tool calls throw a retryable `TeacherError`. */
  private toTurn(reply: CompletionLike, turn: number): AgentTurn {
    const message = reply.choices[0]?.message;
    if (!message) throw new TeacherError('reply has no choices', true);
    const text = message.content ?? '';
    let parsed: ReturnType<ChatFormat['parseAssistant']>;
    try {
      parsed = (this.options.format ?? youtuFormat).parseAssistant(text);
    } catch (err) {
      throw new TeacherError(`malformed <tool_call> in the reply: ${(err as Error).message}`, true);
    }
    const calls: ToolCall[] = (message.tool_calls ?? []).map((c, j) => {
      const name = c.function?.name;
      let args: unknown;
      try {
        args = JSON.parse(c.function?.arguments ?? '');
      } catch {
        throw new TeacherError(
          `malformed tool call: arguments of ${name ?? '?'} are not JSON: ${String(c.function?.arguments).slice(0, 80)}`,
          true,
        );
      }
      if (!name || typeof args !== 'object' || args === null || Array.isArray(args))
        throw new TeacherError(`malformed tool call: ${JSON.stringify(c).slice(0, 120)}`, true);
      return { id: c.id ?? `call_${turn}_${j}`, name, arguments: args as Record<string, unknown> };
    });
    const inline = parsed.toolCalls.map((c, j) => ({ id: `call_${turn}_${calls.length + j}`, ...c }));
    return {
      reasoning: (message.reasoning_content ?? parsed.reasoning).trim(),
      content: parsed.content,
      toolCalls: [...calls, ...inline],
    };
  }

  start(task: Task): PolicySession {
    const turns: EpisodeTurn[] = [];
    const usage = emptyUsage();
    let last: AgentTurn | undefined;
    return {
      next: async (observations: Observation[]) => {
        if (last) turns.push({ ...last, observations });
        last = await this.complete(task, turns, usage);
        return last;
      },
      usage: () => ({ ...usage }),
    };
  }
}
