import type { ChatMessage, ToolSpec } from '@agentlm/tokenizer';

/** What a source yields: plain text, a chat to render with an assistant-only loss mask, or ready token ids. */
export type MixDocument = TextDocument | ChatDocument | TokenDocument;

export interface TextDocument {
  text: string;
}

export type { ChatMessage, ToolSpec };

/** A chat in @agentlm/tokenizer's message format (SPEC §4), rendered with the agent template. */
export interface ChatDocument {
  messages: ChatMessage[];
  /** JSON-schema function specs offered to the assistant. */
  tools?: ToolSpec[];
}

/** Already tokenized (e.g. read back from packed shards); `endsWithEos` stops the mixer adding another. */
export interface TokenDocument {
  ids: ArrayLike<number>;
  lossMask?: ArrayLike<number>;
  endsWithEos?: boolean;
}

/** The text a cleaning filter looks at: the document's text, or a chat's contents joined by newlines. */
export function documentText(doc: MixDocument): string | null {
  if ('text' in doc) return doc.text;
  if ('messages' in doc) return doc.messages.map((m) => m.content ?? '').join('\n');
  return null;
}
