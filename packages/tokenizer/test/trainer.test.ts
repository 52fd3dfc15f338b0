import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@anush008/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CorpusError, Tokenizer, TokenizerOptionError, trainTokenizer } from '../src/index.js';
import { MULTILINGUAL_CORPUS, wellFormed } from './fixtures/corpus.js';
import { stemCorpus } from './fixtures/stem-text.js';

const SPECIALS = ['<|begin_of_text|>', '<|end_of_text|>', '<|pad|>'];

describe('trainTokenizer', () => {
  let dir: string;
  let tok: Tokenizer;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentlm-tok-'));
    const lines = stemCorpus(3000);
    await writeFile(join(dir, 'a.txt'), lines.slice(0, 1500).join('\n'));
    await writeFile(
      join(dir, 'b.jsonl'),
      lines
        .slice(1500)
        .map((text) => JSON.stringify({ doc: { text } }))
        .join('\n'),
    );
    tok = await trainTokenizer({
      corpus: { files: [join(dir, '*.txt'), join(dir, 'b.jsonl')], jsonlField: 'doc.text' },
      vocabSize: 600,
      specialTokens: SPECIALS,
    });
  });

  it('fills the vocabulary and puts the special tokens last', () => {
    expect(tok.vocabSize).toBe(600);
    expect(tok.tokenToId('<|begin_of_text|>')).toBe(597);
    expect(tok.bosId).toBe(597);
    expect(tok.eosId).toBe(598);
    expect(tok.padId).toBe(599);
    expect(tok.encode('x', { addSpecialTokens: true })[0]).toBe(597);
  });

  it('keeps STEM units: LaTeX commands, operator runs, indentation, single digits', () => {
    const single = (s: string) => expect(tok.encode(s), s).toHaveLength(1);
    single('\\frac');
    single(' \\alpha');
    single('\n    ');
    single('\n        ');
    single(' **');
    single(' >=');
    expect(tok.encode('1234')).toHaveLength(4);
  });

  it('round-trips any text, bytes it never saw included', () => {
    for (const text of MULTILINGUAL_CORPUS) expect(tok.decode(tok.encode(text))).toBe(wellFormed(text));
  });

  it('is deterministic', async () => {
    const again = await trainTokenizer({
      corpus: { files: [join(dir, '*.txt'), join(dir, 'b.jsonl')], jsonlField: 'doc.text' },
      vocabSize: 600,
      specialTokens: SPECIALS,
    });
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(tok.toJSON()));
  });

  it('saves a tokenizer.json that Hugging Face tokenizers (Rust) encodes identically', async () => {
    const out = join(dir, 'out');
    await tok.save(out);
    const hf = HfTokenizer.fromFile(join(out, 'tokenizer.json'));
    const reloaded = await Tokenizer.fromFile(out);
    expect(reloaded.bosId).toBe(597);
    for (const text of [...MULTILINGUAL_CORPUS, ...stemCorpus(20, 7)]) {
      const expected = (await hf.encode(text, null, { addSpecialTokens: false })).getIds();
      expect(reloaded.encode(text), JSON.stringify(text)).toEqual(expected);
    }
    const config = JSON.parse(await readFile(join(out, 'tokenizer_config.json'), 'utf8'));
    expect(config.bos_token).toBe('<|begin_of_text|>');
  });

  it('trains every preset to files that Hugging Face tokenizers (Rust) encodes identically', async () => {
    for (const preset of ['gpt2', 'youtu', 'llama3'] as const) {
      const t = await trainTokenizer({ corpus: { texts: stemCorpus(600) }, vocabSize: 500, preset });
      const out = join(dir, `preset-${preset}`);
      await t.save(out);
      const hf = HfTokenizer.fromFile(join(out, 'tokenizer.json'));
      for (const text of MULTILINGUAL_CORPUS) {
        const expected = (await hf.encode(text, null, { addSpecialTokens: false })).getIds();
        expect(t.encode(text), `${preset} ${JSON.stringify(text)}`).toEqual(expected);
      }
    }
  });

  it('honours maxTokenLength and minFrequency', async () => {
    const t = await trainTokenizer({ corpus: { texts: stemCorpus(300) }, vocabSize: 400, maxTokenLength: 3 });
    for (let id = 256; id < t.vocabSize; id++) expect(t.decodeBytes([id]).length).toBeLessThanOrEqual(3);
    const rare = await trainTokenizer({ corpus: { texts: ['ab cd'] }, vocabSize: 300, minFrequency: 2 });
    expect(rare.vocabSize).toBe(256);
  });

  it('names the file or option at fault', async () => {
    await expect(
      trainTokenizer({ corpus: { files: [join(dir, 'missing.txt')] }, vocabSize: 300 }),
    ).rejects.toThrow(CorpusError);
    await expect(
      trainTokenizer({ corpus: { files: [join(dir, 'missing.txt')] }, vocabSize: 300 }),
    ).rejects.toThrow(/missing\.txt/);
    await writeFile(join(dir, 'bad.jsonl'), '{"text": "ok"}\n{"text": 5}\n');
    await expect(
      trainTokenizer({ corpus: { files: [join(dir, 'bad.jsonl')] }, vocabSize: 300 }),
    ).rejects.toThrow(/bad\.jsonl:2: field "text"/);
    await expect(trainTokenizer({ corpus: { texts: ['x'] }, vocabSize: 10 })).rejects.toThrow(
      TokenizerOptionError,
    );
  });
});
