import { type AssistantDelta, AssistantStream } from './assistant-stream.js';
import type { Prompt, Session } from './engine.js';
import { SamplingOptionError } from './errors.js';
import type { GenerateOptions, GenerationResult } from './generate.js';
import type { ToolCall, ToolOutcome, ToolRegistry, ToolSpec } from './tools.js';

/** One chat message (the OpenAI roles; `tool` carries a tool's result). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** Assistant reasoning (the <think> block); templates drop it from earlier turns. */
  reasoning?: string;
  /** Tool calls an assistant turn made. */
  toolCalls?: ToolCall[];
  /** For role `tool`: the id of the call this answers. */
  toolCallId?: string;
  /** For role `tool`: the tool's name. */
  name?: string;
}

/** An assistant turn's raw text, split. */
export interface ParsedAssistant {
  reasoning: string | null;
  content: string;
  toolCalls: ToolCall[];
  /** <tool_call> blocks that could not be read (bad JSON, no name), with the reason. */
  invalidToolCalls: { raw: string; error: string }[];
}

/** Options of `ChatFormat.render`. */
export interface ChatRenderOptions {
  tools?: readonly ToolSpec[];
  addGenerationPrompt?: boolean;
  thinking?: boolean;
}

/** A rendered prompt and the ranges of its text that came from message content (`[start, end)`). */
export interface RenderedPrompt {
  text: string;
  literalSpans: (readonly [number, number])[];
}

/** How chats become prompt text and assistant text becomes messages (the tokenizer's chat template). */
export interface ChatFormat {
  /** The prompt for `messages`, ending with the assistant opener when `addGenerationPrompt`. */
  render(messages: readonly ChatMessage[], options: ChatRenderOptions): string;
  /**
   * The same prompt with the ranges of message content, which the tokenizer encodes as text: a user who
   * writes `<|end_of_text|>` or `<tool_response>` gets those characters, not the control tokens.
   * `specialTokens` are the tokenizer's added tokens. Without this method the prompt text is encoded as it
   * is (special tokens in content parsed).
   */
  renderSpans?(
    messages: readonly ChatMessage[],
    options: ChatRenderOptions & { specialTokens?: readonly string[] },
  ): RenderedPrompt;
  parse(text: string): ParsedAssistant;
}

/** A tokenizer that can keep ranges of its input as text (`@agentlm/tokenizer`'s `Tokenizer` can). */
type LiteralCodec = {
  encode(text: string, options?: { literalSpans?: RenderedPrompt['literalSpans'] }): number[];
  readonly addedTokens?: readonly { content: string }[];
};

/**
 * The prompt of one turn plus its prefill (the server's own markup). Through `renderSpans` and the engine's
 * tokenizer, message content is encoded as text; otherwise the rendered text goes to the engine as is.
 */
function turnPrompt(
  session: Session,
  format: ChatFormat,
  messages: readonly ChatMessage[],
  options: ChatRenderOptions,
  prefill: string,
): Prompt {
  const codec = session.engine.tokenizer as LiteralCodec | null;
  if (!format.renderSpans || codec === null) return format.render(messages, options) + prefill;
  const specialTokens = codec.addedTokens?.map((t) => t.content);
  const { text, literalSpans } = format.renderSpans(messages, { ...options, specialTokens });
  return codec.encode(text + prefill, { literalSpans });
}

/** Options of one assistant turn. */
export interface AssistantTurnOptions extends GenerateOptions {
  tools?: readonly ToolSpec[];
  /** Thinking mode (the model reasons in <think> first). Default true. */
  thinking?: boolean;
  /**
   * Assistant text placed after the generation prompt for the model to continue, and parsed as part of the
   * turn (e.g. `<tool_call>` to force a tool call).
   */
  prefill?: string;
}

/** What one assistant turn produced. */
export interface AssistantTurn {
  message: ChatMessage;
  parsed: ParsedAssistant;
  generation: GenerationResult;
}

/**
 * Generates one assistant turn for `messages`: streams reasoning/content deltas (markup and raw
 * tool-call blocks hidden), then returns the parsed message. Tool calls get ids `call_<n>`.
 */
export async function* assistantTurn(
  session: Session,
  format: ChatFormat,
  messages: readonly ChatMessage[],
  options: AssistantTurnOptions = {},
): AsyncGenerator<AssistantDelta, AssistantTurn> {
  const { tools, thinking = true, prefill = '', ...generateOptions } = options;
  const prompt = turnPrompt(
    session,
    format,
    messages,
    { tools, addGenerationPrompt: true, thinking },
    prefill,
  );
  const generation = session.generate(prompt, generateOptions);
  const split = new AssistantStream();
  split.push(prefill); // the client did not ask for the prefill: it only sets the splitter's state
  for await (const token of generation) {
    for (const delta of split.push(token.text)) yield delta;
  }
  for (const delta of split.flush()) yield delta;
  const result = await generation.result;
  const parsed = format.parse(prefill + result.text);
  parsed.toolCalls = parsed.toolCalls.map((c, i) => ({ ...c, id: c.id || `call_${i}` }));
  const message: ChatMessage = { role: 'assistant', content: parsed.content };
  if (parsed.reasoning !== null) message.reasoning = parsed.reasoning;
  if (parsed.toolCalls.length > 0) message.toolCalls = parsed.toolCalls;
  return { message, parsed, generation: result };
}

/** Events of a tool-using chat turn, in order. */
export type ChatEvent =
  | { type: 'delta'; kind: AssistantDelta['kind']; text: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'tool_result'; call: ToolCall; outcome: ToolOutcome }
  | { type: 'message'; message: ChatMessage };

/** The end of a user turn: the final assistant message and what it took. */
export interface ChatReply {
  message: ChatMessage;
  /** Assistant generations run (1 + rounds of tool calls). */
  steps: number;
  /** `max_steps`: the model was still calling tools when the step limit was reached. */
  finishReason: 'stop' | 'length' | 'abort' | 'max_steps';
  usage: { promptTokens: number; completionTokens: number };
}

export interface ChatSessionOptions extends Omit<AssistantTurnOptions, 'tools'> {
  format: ChatFormat;
  tools?: ToolRegistry;
  /** System prompt placed first. */
  system?: string;
  /** Most assistant generations per user turn (each tool round is one). Default 8. */
  maxSteps?: number;
}

/**
 * A multi-turn conversation with tools: `send` adds a user message, then generates, runs the tool
 * calls the model makes (validated, time-limited, failures reported back as tool results) and
 * generates again, until a turn without tool calls or the step limit.
 */
export class ChatSession {
  readonly messages: ChatMessage[] = [];
  private readonly options: ChatSessionOptions;

  constructor(
    readonly session: Session,
    options: ChatSessionOptions,
  ) {
    const maxSteps = options.maxSteps ?? 8;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) {
      throw new SamplingOptionError('maxSteps', maxSteps, 'must be a positive integer');
    }
    this.options = { ...options, maxSteps };
    this.reset();
  }

  get tools(): ToolRegistry | undefined {
    return this.options.tools;
  }

  /** Starts over (keeps the system prompt). */
  reset(): void {
    this.messages.length = 0;
    if (this.options.system !== undefined)
      this.messages.push({ role: 'system', content: this.options.system });
  }

  /** Sends a user message and runs the tool loop; iterate for events, the return value is the reply. */
  async *send(content: string, overrides: AssistantTurnOptions = {}): AsyncGenerator<ChatEvent, ChatReply> {
    const { format, tools, system: _s, maxSteps, ...turnDefaults } = this.options;
    this.messages.push({ role: 'user', content });
    const usage = { promptTokens: 0, completionTokens: 0 };
    for (let step = 1; ; step++) {
      const turn = yield* this.turn(format, { ...turnDefaults, tools: tools?.specs(), ...overrides });
      usage.promptTokens += turn.generation.promptTokens;
      usage.completionTokens += turn.generation.completionTokens;
      this.messages.push(turn.message);
      yield { type: 'message', message: turn.message };
      const { toolCalls, invalidToolCalls } = turn.parsed;
      const done = (toolCalls.length === 0 && invalidToolCalls.length === 0) || tools === undefined;
      if (done || turn.generation.finishReason !== 'stop' || step === maxSteps) {
        const finishReason = done
          ? turn.generation.finishReason
          : step === maxSteps
            ? 'max_steps'
            : turn.generation.finishReason;
        return { message: turn.message, steps: step, finishReason, usage };
      }
      for (const call of toolCalls) {
        yield { type: 'tool_call', call };
        const outcome = await tools.call(call);
        yield { type: 'tool_result', call, outcome };
        this.messages.push({ role: 'tool', content: outcome.content, toolCallId: call.id, name: call.name });
      }
      for (const bad of invalidToolCalls) {
        const content = `Error: could not read the tool call: ${bad.error}. Write <tool_call>{"name": ..., "arguments": {...}}</tool_call>.`;
        this.messages.push({ role: 'tool', content, toolCallId: 'invalid', name: 'invalid' });
      }
    }
  }

  private async *turn(
    format: ChatFormat,
    options: AssistantTurnOptions,
  ): AsyncGenerator<ChatEvent, AssistantTurn> {
    const stream = assistantTurn(this.session, format, this.messages, options);
    for (;;) {
      const next = await stream.next();
      if (next.done) return next.value;
      yield { type: 'delta', kind: next.value.kind, text: next.value.text };
    }
  }
}
