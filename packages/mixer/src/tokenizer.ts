import {
  CHAT_SPECIALS,
  type ChatSpecial,
  chatSegments,
  encodeSegments,
  type MixerEncoder,
} from './encoder.js';
import { MixerConfigError } from './errors.js';

/** The part of @agentlm/tokenizer's `Tokenizer` the mixer uses (structural, so any compatible tokenizer fits). */
export interface TokenizerLike {
  encode(text: string, options?: { parseSpecialTokens?: boolean }): ArrayLike<number>;
  decode(ids: readonly number[] | Int32Array): string;
  tokenToId(token: string): number | undefined;
  readonly eosId: number | null;
  readonly vocabSize: number;
}

/**
 * Adapts a tokenizer (e.g. `await Tokenizer.fromFile('tokenizer.json')`) to the mixer. Document text is
 * encoded with special-token parsing off, so a literal `<|end_of_text|>` inside a web page stays text;
 * chats are rendered in the Youtu format with the tokenizer's ids for the chat specials.
 */
export function encoderFromTokenizer(tokenizer: TokenizerLike): MixerEncoder {
  if (tokenizer.eosId === null)
    throw new MixerConfigError('tokenizer has no EOS token (eos_token in tokenizer_config.json)');
  const ids = new Map<ChatSpecial, number>();
  const specialId = (s: ChatSpecial): number => {
    let id = ids.get(s);
    if (id === undefined) {
      id = tokenizer.tokenToId(s);
      if (id === undefined)
        throw new MixerConfigError(
          `tokenizer has no "${s}" token, needed to render chats (known chat tokens: ${CHAT_SPECIALS.join(' ')})`,
        );
      ids.set(s, id);
    }
    return id;
  };
  const encode = (text: string) => tokenizer.encode(text, { parseSpecialTokens: false });
  return {
    encode,
    encodeChat: (messages, tools) => encodeSegments(chatSegments(messages, tools), encode, specialId),
    decode: (list) => tokenizer.decode(Array.from(list)),
    eosId: tokenizer.eosId,
    vocabSize: tokenizer.vocabSize,
  };
}
