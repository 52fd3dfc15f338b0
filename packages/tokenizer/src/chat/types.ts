/** A tool call as OpenAI writes it; `{ name, arguments }` without the `function` wrapper is accepted too. */
export interface ToolCall {
  id?: string;
  type?: 'function';
  function: { name: string; arguments: string | Record<string, unknown> };
}

/** A loose tool call, as some datasets store it. */
export interface BareToolCall {
  id?: string;
  name: string;
  arguments: string | Record<string, unknown>;
}

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** One chat message (SPEC §4 trajectory format; OpenAI field names). */
export interface ChatMessage {
  role: ChatRole;
  content: string | null;
  /** The assistant's thinking (also read from `reasoning_content`). */
  reasoning?: string | null;
  reasoning_content?: string | null;
  tool_calls?: (ToolCall | BareToolCall)[];
  tool_call_id?: string;
  name?: string;
  /**
   * Trusted content (written by the developer, e.g. a fixed system prompt): special tokens written in it
   * are encoded as control tokens. Otherwise content is text (`encodeChat`, `renderChatSpans`).
   */
  trusted?: boolean;
}

/** A tool's JSON-schema spec, rendered as given (usually `{ type: 'function', function: { name, description, parameters } }`). */
export type ToolSpec = Record<string, unknown>;

/** A tool call that failed to parse: the raw text between the tags and why. */
export interface ToolCallError {
  raw: string;
  message: string;
}

/** Generated assistant text split back into its parts. */
export interface ParsedAssistant {
  content: string;
  reasoning: string | null;
  /** Parsed calls; `arguments` is compact JSON text, ids are `call_0`, `call_1`, … */
  toolCalls: (ToolCall & { id: string; type: 'function'; function: { name: string; arguments: string } })[];
  /** Calls whose JSON did not parse or lacked a name; their text is kept here, not lost. */
  errors: ToolCallError[];
}
