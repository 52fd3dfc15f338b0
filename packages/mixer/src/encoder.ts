import { AGENT_SPECIAL_TOKENS, encodeChat, type Tokenizer } from '@agentlm/tokenizer';
import type { ChatMessage, ToolSpec } from './document.js';
import { MixerConfigError } from './errors.js';

/** Token ids of one rendered chat, with 1 where the loss applies (assistant tokens) and 0 elsewhere. */
export interface EncodedChat {
  ids: ArrayLike<number>;
  lossMask: ArrayLike<number>;
}

/**
 * The little the mixer needs from a tokenizer. `encoderFromTokenizer` adapts an @agentlm/tokenizer
 * `Tokenizer`; `byteEncoder` is a dependency-free stand-in (bytes as ids) for tests and benchmarks.
 */
export interface MixerEncoder {
  /** Document text to ids; special tokens written in the text stay text. */
  encode(text: string): ArrayLike<number>;
  /** Renders a chat in the agent (Youtu) format with an assistant-only loss mask. */
  encodeChat(messages: ChatMessage[], tools?: ToolSpec[]): EncodedChat;
  decode?(ids: ArrayLike<number>): string;
  eosId: number;
  vocabSize: number;
}

/**
 * Adapts a tokenizer (e.g. `await Tokenizer.fromFile('tokenizer.json')`) to the mixer. Document text is
 * encoded with special-token parsing off, so a literal `<|end_of_text|>` inside a web page stays text;
 * chats go through the tokenizer's own `encodeChat`, the same format inference renders.
 */
export function encoderFromTokenizer(tokenizer: Tokenizer): MixerEncoder {
  if (tokenizer.eosId === null)
    throw new MixerConfigError('tokenizer has no EOS token (eos_token in tokenizer_config.json)');
  return {
    encode: (text) => tokenizer.encode(text, { parseSpecialTokens: false }),
    encodeChat: (messages, tools) => encodeChat(tokenizer, messages, { tools }),
    decode: (ids) => tokenizer.decode(Array.from(ids)),
    eosId: tokenizer.eosId,
    vocabSize: tokenizer.vocabSize,
  };
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const SPECIAL_PATTERN = new RegExp(
  AGENT_SPECIAL_TOKENS.map((t) => t.replace(/[|[\]\\/^$.*+?()]/g, '\\$&')).join('|'),
  'g',
);

/**
 * Bytes as token ids (0-255) and the agent-format special tokens after them (256 `<|begin_of_text|>`,
 * 257 `<|end_of_text|>` = EOS, …; vocabulary 256 + 13). Fast and exact, so tests and benchmarks can tell
 * the mixer's cost from the tokenizer's; chats are rendered by @agentlm/tokenizer's `encodeChat`.
 */
export function byteEncoder(): MixerEncoder {
  const encodeText = (text: string) => utf8.encode(text);
  // encodeChat needs only `encode`, which here turns the special tokens of the rendered chat's markup into
  // their ids; those inside message content (its literal spans) stay bytes, as with a real tokenizer
  const withSpecials: Pick<Tokenizer, 'encode'> = {
    encode(text, options = {}) {
      const ids: number[] = [];
      const literal = options.literalSpans ?? [];
      let last = 0;
      for (const m of text.matchAll(SPECIAL_PATTERN)) {
        const end = m.index + m[0].length;
        if (literal.some(([a, b]) => a < end && m.index < b)) continue;
        for (const id of utf8.encode(text.slice(last, m.index))) ids.push(id);
        ids.push(256 + AGENT_SPECIAL_TOKENS.indexOf(m[0]));
        last = end;
      }
      // loops, not push(...ids): a long document's ids would overflow the call stack as arguments
      for (const id of utf8.encode(text.slice(last))) ids.push(id);
      return ids;
    },
  };
  return {
    encode: encodeText,
    encodeChat: (messages, tools) => encodeChat(withSpecials, messages, { tools }),
    decode: (ids) => {
      let text = '';
      let bytes: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (id < 256) bytes.push(id);
        else {
          text +=
            utf8Decoder.decode(Uint8Array.from(bytes)) + (AGENT_SPECIAL_TOKENS[id - 256] ?? `<|${id}|>`);
          bytes = [];
        }
      }
      return text + utf8Decoder.decode(Uint8Array.from(bytes));
    },
    eosId: 256 + AGENT_SPECIAL_TOKENS.indexOf('<|end_of_text|>'),
    vocabSize: 256 + AGENT_SPECIAL_TOKENS.length,
  };
}
