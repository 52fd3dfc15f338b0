import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTiktokenRanks, type Tokenizer, tokenizerFromTiktoken } from '../src/index.js';
import { MULTILINGUAL_CORPUS, wellFormed } from './fixtures/corpus.js';

/** js-tiktoken ships ranks as lines of "prefix offset b64 b64 …"; expand them to [bytes, rank]. */
function cl100kRanks(): [Uint8Array, number][] {
  const ranks: [Uint8Array, number][] = [];
  for (const line of cl100k.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offset, ...tokens] = line.split(' ');
    for (const [i, t] of tokens.entries())
      ranks.push([Uint8Array.from(Buffer.from(t, 'base64')), Number(offset) + i]);
  }
  return ranks;
}

describe('cl100k from js-tiktoken ranks', () => {
  let tok: Tokenizer;
  let ref: Tiktoken;
  beforeAll(() => {
    tok = tokenizerFromTiktoken({
      pattern: cl100k.pat_str,
      ranks: cl100kRanks(),
      specialTokens: cl100k.special_tokens,
    });
    ref = new Tiktoken(cl100k);
  });

  it('encodes the multilingual corpus exactly like js-tiktoken and decodes back', () => {
    for (const text of MULTILINGUAL_CORPUS) {
      const ids = tok.encode(text);
      expect(ids, JSON.stringify(text)).toEqual(ref.encode(text, 'all'));
      expect(tok.decode(ids)).toBe(wellFormed(text));
    }
  });

  it('maps special tokens to their ranks', () => {
    expect(tok.encode('<|endoftext|>x')).toEqual([100257, 87]);
    expect(tok.vocabSize).toBe(100277);
  });
});

describe('parseTiktokenRanks', () => {
  it('reads base64 rank lines and names the bad line', () => {
    expect(parseTiktokenRanks('IQ== 0\nIg== 1\n')).toEqual([
      [Uint8Array.of(33), 0],
      [Uint8Array.of(34), 1],
    ]);
    expect(() => parseTiktokenRanks('IQ== 0\nnot-a-line\n', 'x.tiktoken')).toThrow(/x\.tiktoken: line 2/);
  });
});
