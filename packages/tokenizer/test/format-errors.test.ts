import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenIdError, Tokenizer, TokenizerError, TokenizerFormatError } from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: tests mutate arbitrary fields of the JSON
type Json = Record<string, any>;

/** A minimal valid byte-level tokenizer.json: 256 byte tokens, one merge, one special token. */
function tinyJson(): Json {
  const vocab: Record<string, number> = {};
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    vocab[String.fromCharCode(printable ? b : next++)] = b;
  }
  vocab.ab = 256;
  return {
    added_tokens: [{ id: 257, content: '<s>', special: true }],
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, use_regex: true },
    decoder: { type: 'ByteLevel' },
    model: { type: 'BPE', vocab, merges: ['a b'] },
  };
}

describe('tokenizer.json validation', () => {
  it('loads a minimal file', () => {
    const tok = Tokenizer.fromJSON(tinyJson());
    expect(tok.vocabSize).toBe(258);
    expect(tok.encode('abc<s>')).toEqual([256, 99, 257]);
  });

  it('names the field at fault', () => {
    const cases: [(j: Json) => void, RegExp][] = [
      [(j) => (j.model.type = 'Unigram'), /model\.type is unsupported: "Unigram"/],
      [(j) => delete j.model.merges, /model\.merges is missing/],
      [(j) => (j.model.merges = ['a zz']), /model\.merges\[0\] uses a token not in the vocabulary: "zz"/],
      [
        (j) => (j.pre_tokenizer = { type: 'Split', pattern: { Regex: '(unclosed' }, behavior: 'Isolated' }),
        /pre_tokenizer\.pattern\.Regex is not a valid regex/,
      ],
      [(j) => (j.pre_tokenizer = { type: 'Metaspace' }), /pre_tokenizer\.type is unsupported: "Metaspace"/],
      [
        (j) => (j.pre_tokenizer = { type: 'Split', pattern: { Regex: 'x' }, behavior: 'Isolated' }),
        /pre_tokenizer has no ByteLevel step/,
      ],
      [(j) => (j.post_processor = { type: 'Weird' }), /post_processor\.type is unsupported/],
      [(j) => (j.added_tokens = [{ id: 'x', content: '<s>' }]), /added_tokens\[0\] must have/],
      [(j) => (j.model.vocab.ab = -1), /model\.vocab\["ab"\] must be an integer id in \[0, 2097151\]/],
      [(j) => (j.model.vocab.ab = 2 ** 40), /model\.vocab\["ab"\] must be an integer id in \[0, 2097151\]/],
    ];
    for (const [mutate, message] of cases) {
      const j = tinyJson();
      mutate(j);
      expect(() => Tokenizer.fromJSON(j), String(message)).toThrow(TokenizerFormatError);
      expect(() => Tokenizer.fromJSON(j)).toThrow(message);
    }
  });

  it('rejects ids out of range', () => {
    const tok = Tokenizer.fromJSON(tinyJson());
    expect(() => tok.decode([1, 258])).toThrow(TokenIdError);
    expect(() => tok.decode([-1])).toThrow(/token id -1 is out of range: the vocabulary has ids 0\.\.257/);
  });

  it('reports unreadable and invalid files by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentlm-tokfmt-'));
    await expect(Tokenizer.fromFile(join(dir, 'nope'))).rejects.toThrow(TokenizerError);
    await writeFile(join(dir, 'tokenizer.json'), '{ not json');
    await expect(Tokenizer.fromFile(dir)).rejects.toThrow(/tokenizer\.json: root is not valid JSON/);
  });
});
