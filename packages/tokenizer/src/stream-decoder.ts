import type { DecodeOptions, Tokenizer } from './tokenizer.js';

/** Decodes ids as they are generated; text is only ever emitted as whole characters. */
export interface StreamDecoder {
  /** Adds ids and returns the newly completed text ('' while a character is still incomplete). */
  push(ids: number | readonly number[]): string;
  /** Returns what is left (an incomplete character at the very end becomes U+FFFD) and resets. */
  flush(): string;
}

/**
 * A byte-level token can end in the middle of a UTF-8 character (emoji, CJK). The decoder keeps the
 * unfinished bytes (TextDecoder in stream mode) until the token that completes them arrives.
 */
export function createStreamDecoder(tokenizer: Tokenizer, options: DecodeOptions = {}): StreamDecoder {
  let decoder = new TextDecoder();
  return {
    push(ids) {
      const list = typeof ids === 'number' ? [ids] : ids;
      return decoder.decode(tokenizer.decodeBytes(list, options), { stream: true });
    },
    flush() {
      const rest = decoder.decode();
      decoder = new TextDecoder();
      return rest;
    },
  };
}
