import type { TokenCodec } from './language-model.js';

/**
 * Turns token ids into text one token at a time without ever splitting a UTF-8 character: bytes of
 * an incomplete character wait for the next token. The concatenated pieces equal the lossy decode of
 * all the bytes at once (a streaming TextDecoder is exact by construction).
 */
export class TextStream {
  private readonly decoder = new TextDecoder();

  constructor(private readonly codec: TokenCodec) {}

  /** Text completed by this token ('' while a character is still incomplete). */
  push(id: number): string {
    return this.decoder.decode(this.codec.decodeBytes([id]), { stream: true });
  }

  /** Whatever incomplete bytes remain, as U+FFFD. */
  flush(): string {
    return this.decoder.decode();
  }
}
