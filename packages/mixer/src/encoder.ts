import type { ChatMessage } from './document.js';

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
  encode(text: string): ArrayLike<number>;
  /** Renders a chat in the model's template with an assistant-only loss mask. */
  encodeChat(messages: ChatMessage[], tools?: unknown[]): EncodedChat;
  decode?(ids: ArrayLike<number>): string;
  eosId: number;
  vocabSize: number;
}

/** Special tokens of the Youtu chat format (SPEC §2). */
export const CHAT_SPECIALS = [
  '<|begin_of_text|>',
  '<|end_of_text|>',
  '<|User|>',
  '<|Assistant|>',
  '<|begin_of_tool_description|>',
  '<|end_of_tool_description|>',
] as const;
export type ChatSpecial = (typeof CHAT_SPECIALS)[number];

/** One piece of a rendered chat: text or a special token, and whether the loss applies to it. */
export interface ChatSegment {
  text?: string;
  special?: ChatSpecial;
  trainable: boolean;
}

/**
 * Lays a chat out in the Youtu format: `<|begin_of_text|>{system}[tools]<|User|>{user}<|Assistant|>{assistant}<|end_of_text|>`.
 * Tool calls become `<tool_call>{json}</tool_call>` in the assistant text and tool results a user turn of
 * `<tool_response>…</tool_response>`. Only the assistant's text and its closing `<|end_of_text|>` are trainable.
 */
export function chatSegments(messages: ChatMessage[], tools?: unknown[]): ChatSegment[] {
  const out: ChatSegment[] = [{ special: '<|begin_of_text|>', trainable: false }];
  let i = 0;
  if (messages[0]?.role === 'system') {
    out.push({ text: messages[0].content, trainable: false });
    i = 1;
  }
  if (tools && tools.length > 0) {
    out.push({ special: '<|begin_of_tool_description|>', trainable: false });
    out.push({ text: tools.map((t) => JSON.stringify(t)).join('\n'), trainable: false });
    out.push({ special: '<|end_of_tool_description|>', trainable: false });
  }
  for (; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'assistant') {
      const calls = (m.tool_calls ?? []).map(
        (c) => `<tool_call>${JSON.stringify({ name: c.name, arguments: c.arguments })}</tool_call>`,
      );
      out.push({ special: '<|Assistant|>', trainable: false });
      out.push({ text: m.content + calls.join(''), trainable: true });
      out.push({ special: '<|end_of_text|>', trainable: true });
    } else {
      out.push({ special: '<|User|>', trainable: false });
      out.push({
        text: m.role === 'tool' ? `<tool_response>${m.content}</tool_response>` : m.content,
        trainable: false,
      });
    }
  }
  return out;
}

/** Encodes chat segments with any text encoder plus a table of special-token ids. */
export function encodeSegments(
  segments: ChatSegment[],
  encode: (text: string) => ArrayLike<number>,
  specialId: (special: ChatSpecial) => number,
): EncodedChat {
  const ids: number[] = [];
  const lossMask: number[] = [];
  for (const s of segments) {
    const part = s.special ? [specialId(s.special)] : encode(s.text ?? '');
    for (let k = 0; k < part.length; k++) {
      ids.push(part[k]);
      lossMask.push(s.trainable ? 1 : 0);
    }
  }
  return { ids, lossMask };
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/**
 * Bytes as token ids (0-255), the chat specials at 256-261 (`<|end_of_text|>` = 257 is EOS); vocabulary 262.
 * Fast and exact, so tests and benchmarks can tell the mixer's cost from the tokenizer's.
 */
export function byteEncoder(): MixerEncoder {
  const specialId = (s: ChatSpecial) => 256 + CHAT_SPECIALS.indexOf(s);
  const encode = (text: string) => utf8.encode(text);
  return {
    encode,
    encodeChat: (messages, tools) => encodeSegments(chatSegments(messages, tools), encode, specialId),
    decode: (ids) => {
      let text = '';
      let bytes: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (id < 256) bytes.push(id);
        else {
          text += utf8Decoder.decode(Uint8Array.from(bytes)) + (CHAT_SPECIALS[id - 256] ?? `<|${id}|>`);
          bytes = [];
        }
      }
      return text + utf8Decoder.decode(Uint8Array.from(bytes));
    },
    eosId: specialId('<|end_of_text|>'),
    vocabSize: 256 + CHAT_SPECIALS.length,
  };
}
