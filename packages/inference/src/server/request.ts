import { TOOL_CALL_OPEN } from '../assistant-stream.js';
import type { ChatMessage } from '../chat.js';
import { RequestError } from '../errors.js';
import type { GenerateOptions } from '../generate.js';
import { schemaProblem } from '../json-schema.js';
import type { ToolCall, ToolSpec } from '../tools.js';

type Json = Record<string, unknown>;

/** What both completion routes share, validated. */
export interface ParsedCommon {
  stream: boolean;
  includeUsage: boolean;
  /** Fairness lane: the OpenAI `user` field, else one lane per request. */
  user: string | null;
  options: GenerateOptions;
}

export interface ParsedChatRequest extends ParsedCommon {
  messages: ChatMessage[];
  tools: ToolSpec[];
  thinking: boolean;
  /** Assistant text the model continues: forces a tool call for tool_choice "required" or a named function. */
  prefill: string;
}

export interface ParsedCompletionRequest extends ParsedCommon {
  prompt: string | number[];
}

const bad = (param: string, message: string) => new RequestError(400, `${param}: ${message}`, param);

/** Reads and type-checks fields of a JSON body; every failure is a 400 naming the field. */
class Fields {
  constructor(
    private readonly obj: Json,
    private readonly prefix = '',
  ) {}

  private name(key: string): string {
    return this.prefix + key;
  }

  raw(key: string): unknown {
    return this.obj[key] ?? undefined;
  }

  number(key: string, min: number, max: number): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw bad(this.name(key), `must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  integer(key: string, min: number, max: number): number | undefined {
    const v = this.number(key, min, max);
    if (v !== undefined && !Number.isInteger(v)) throw bad(this.name(key), `must be an integer, got ${v}`);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v !== undefined && typeof v !== 'boolean')
      throw bad(this.name(key), `must be a boolean, got ${JSON.stringify(v)}`);
    return v as boolean | undefined;
  }

  string(key: string, required = false): string | undefined {
    const v = this.raw(key);
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string')
      throw bad(this.name(key), `must be a string, got ${JSON.stringify(v) ?? 'nothing'}`);
    return v;
  }

  object(key: string): Json | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw bad(this.name(key), 'must be an object');
    return v as Json;
  }

  array(key: string, required = false): unknown[] | undefined {
    const v = this.raw(key);
    if (v === undefined && !required) return undefined;
    if (!Array.isArray(v))
      throw bad(this.name(key), `must be an array, got ${JSON.stringify(v) ?? 'nothing'}`);
    return v;
  }
}

/** Parses a request body, answering 400 for anything that is not a JSON object. */
export function parseBody(text: string): Json {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new RequestError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(400, 'the body must be a JSON object');
  }
  return body as Json;
}

export interface Limits {
  maxTokens: number;
  vocabSize: number;
  defaultMaxTokens: number;
}

function parseCommon(body: Json, limits: Limits): ParsedCommon {
  const f = new Fields(body);
  f.integer('n', 1, 1); // one choice per request
  const maxTokens =
    f.integer('max_completion_tokens', 1, limits.maxTokens) ??
    f.integer('max_tokens', 1, limits.maxTokens) ??
    limits.defaultMaxTokens;
  const stopRaw = f.raw('stop');
  let stop: string[] = [];
  if (typeof stopRaw === 'string') stop = [stopRaw];
  else if (Array.isArray(stopRaw)) {
    if (stopRaw.length > 16 || stopRaw.some((s) => typeof s !== 'string' || s.length === 0)) {
      throw bad('stop', 'must be a non-empty string or an array of at most 16 non-empty strings');
    }
    stop = stopRaw as string[];
  } else if (stopRaw !== undefined) throw bad('stop', 'must be a string or an array of strings');
  const logitBias = new Map<number, number>();
  for (const [k, v] of Object.entries(f.object('logit_bias') ?? {})) {
    const id = Number(k);
    if (!Number.isInteger(id) || id < 0 || id >= limits.vocabSize) {
      throw bad('logit_bias', `key ${JSON.stringify(k)} is not a token id below ${limits.vocabSize}`);
    }
    if (typeof v !== 'number' || v < -100 || v > 100)
      throw bad(`logit_bias.${k}`, 'must be a number in [-100, 100]');
    logitBias.set(id, v);
  }
  const streamOptions = new Fields(f.object('stream_options') ?? {}, 'stream_options.');
  return {
    stream: f.boolean('stream') ?? false,
    includeUsage: streamOptions.boolean('include_usage') ?? false,
    user: f.string('user') ?? null,
    options: {
      maxNewTokens: maxTokens,
      temperature: f.number('temperature', 0, 2),
      topP: f.number('top_p', Number.MIN_VALUE, 1),
      topK: f.integer('top_k', 0, limits.vocabSize),
      minP: f.number('min_p', 0, 0.999),
      presencePenalty: f.number('presence_penalty', -2, 2),
      frequencyPenalty: f.number('frequency_penalty', -2, 2),
      repetitionPenalty: f.number('repetition_penalty', 0.01, 10),
      seed: f.integer('seed', 0, Number.MAX_SAFE_INTEGER),
      logitBias,
      stop,
    },
  };
}

/** Validates a `/v1/completions` body. */
export function parseCompletionRequest(body: Json, limits: Limits): ParsedCompletionRequest {
  const f = new Fields(body);
  const prompt = f.raw('prompt');
  const isIds = Array.isArray(prompt) && prompt.every((x) => Number.isInteger(x));
  const single = Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string';
  if (typeof prompt !== 'string' && !isIds && !single) {
    throw bad('prompt', 'must be a string, a one-element array of strings, or an array of token ids');
  }
  if (f.boolean('echo') === true) throw bad('echo', 'is not supported');
  return {
    ...parseCommon(body, limits),
    prompt: single ? (prompt as string[])[0]! : (prompt as string | number[]),
  };
}

/**
 * Validates a `/v1/chat/completions` body into chat messages and tool specs; a body without a `tools`
 * field gets `defaultTools` (the server's), one with `"tools": []` none.
 */
export function parseChatRequest(
  body: Json,
  limits: Limits,
  defaultTools: readonly ToolSpec[] = [],
): ParsedChatRequest {
  const f = new Fields(body);
  const rawMessages = f.array('messages', true) as unknown[];
  if (rawMessages.length === 0) throw bad('messages', 'must hold at least one message');
  const messages = rawMessages.map((m, i) => parseMessage(m, `messages[${i}]`));
  const rawTools = f.array('tools');
  let tools =
    rawTools === undefined ? [...defaultTools] : rawTools.map((t, i) => parseTool(t, `tools[${i}]`));
  const choice = f.raw('tool_choice');
  let prefill = '';
  if (choice === 'none') tools = [];
  else if (typeof choice === 'object' && choice !== null) {
    const name = new Fields(
      new Fields(choice as Json, 'tool_choice.').object('function') ?? {},
      'tool_choice.function.',
    ).string('name', true);
    tools = tools.filter((t) => t.name === name);
    if (tools.length === 0)
      throw bad('tool_choice', `names function ${JSON.stringify(name)}, which is not in tools`);
    prefill = `${TOOL_CALL_OPEN}{"name": ${JSON.stringify(name)}, "arguments": `;
  } else if (choice === 'required') {
    if (tools.length === 0) throw bad('tool_choice', '"required" needs at least one tool in tools');
    prefill = TOOL_CALL_OPEN;
  } else if (choice !== undefined && choice !== 'auto') {
    throw bad(
      'tool_choice',
      `must be "none", "auto", "required" or {"type":"function","function":{"name":…}}, got ${JSON.stringify(choice)}`,
    );
  }
  const effort = f.string('reasoning_effort');
  // A forced call starts at once, so its turn is rendered in non-thinking mode (an empty think block).
  const thinking = prefill === '' && effort !== 'none' && effort !== 'minimal';
  return { ...parseCommon(body, limits), messages, tools, thinking, prefill };
}

function parseMessage(raw: unknown, at: string): ChatMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(at, 'must be an object');
  const f = new Fields(raw as Json, `${at}.`);
  const role = f.string('role', true) as string;
  const roles = ['system', 'developer', 'user', 'assistant', 'tool'];
  if (!roles.includes(role))
    throw bad(`${at}.role`, `must be one of ${roles.join(', ')}, got ${JSON.stringify(role)}`);
  const message: ChatMessage = {
    role: role === 'developer' ? 'system' : (role as ChatMessage['role']),
    content: messageContent(f.raw('content'), `${at}.content`, role === 'assistant'),
  };
  if (role === 'tool') {
    message.toolCallId = f.string('tool_call_id', true);
    const name = f.string('name');
    if (name !== undefined) message.name = name;
  }
  if (role === 'assistant') {
    const calls = (f.array('tool_calls') ?? []).map((c, i) => parseToolCall(c, `${at}.tool_calls[${i}]`));
    if (calls.length > 0) message.toolCalls = calls;
    const reasoning = f.string('reasoning_content');
    if (reasoning !== undefined) message.reasoning = reasoning;
  }
  return message;
}

/** OpenAI content: a string, null (assistant with tool calls), or an array of text parts. */
function messageContent(raw: unknown, at: string, nullable: boolean): string {
  if (typeof raw === 'string') return raw;
  if ((raw === null || raw === undefined) && nullable) return '';
  if (Array.isArray(raw)) {
    return raw
      .map((part, i) => {
        const p = new Fields((part ?? {}) as Json, `${at}[${i}].`);
        if (p.string('type', true) !== 'text')
          throw bad(`${at}[${i}].type`, 'only "text" parts are supported');
        return p.string('text', true) as string;
      })
      .join('');
  }
  throw bad(at, 'must be a string or an array of text parts');
}

function parseTool(raw: unknown, at: string): ToolSpec {
  const f = new Fields((typeof raw === 'object' && raw !== null ? raw : {}) as Json, `${at}.`);
  if (f.string('type', true) !== 'function') throw bad(`${at}.type`, 'must be "function"');
  const fn = new Fields(f.object('function') ?? {}, `${at}.function.`);
  const name = fn.string('name', true) as string;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name))
    throw bad(`${at}.function.name`, 'must be 1-64 letters, digits, _ . -');
  const spec: ToolSpec = { name, parameters: fn.object('parameters') ?? { type: 'object', properties: {} } };
  const invalid = schemaProblem(spec.parameters);
  if (invalid) throw bad(`${at}.function.parameters`, `tool "${name}": not a valid JSON Schema: ${invalid}`);
  const description = fn.string('description');
  if (description !== undefined) spec.description = description;
  return spec;
}

function parseToolCall(raw: unknown, at: string): ToolCall {
  const f = new Fields((typeof raw === 'object' && raw !== null ? raw : {}) as Json, `${at}.`);
  const fn = new Fields(f.object('function') ?? {}, `${at}.function.`);
  const args = fn.string('arguments') ?? '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw bad(`${at}.function.arguments`, 'must be a JSON string');
  }
  return { id: f.string('id') ?? '', name: fn.string('name', true) as string, arguments: parsed };
}
