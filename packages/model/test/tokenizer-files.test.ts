import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTokenizerFacts } from '../src/index.js';

const dir = await mkdtemp(join(tmpdir(), 'agentlm-tokfacts-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readTokenizerFacts', () => {
  it('reads a real-sized vocabulary (128,256 ids, as Llama 3 and Youtu have)', async () => {
    const vocab: Record<string, number> = {};
    for (let i = 0; i < 128_000; i++) vocab[`t${i}`] = i;
    const added = Array.from({ length: 256 }, (_, i) => ({ id: 128_000 + i, content: `<|reserved_${i}|>` }));
    added[1] = { id: 128_001, content: '<|end_of_text|>' };
    await writeFile(
      join(dir, 'tokenizer.json'),
      JSON.stringify({ model: { type: 'BPE', vocab }, added_tokens: added }),
    );
    await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ eos_token: '<|end_of_text|>' }));
    const facts = await readTokenizerFacts(dir);
    expect(facts.vocabSize).toBe(128_256);
    expect(facts.eosTokenId).toBe(128_001);
    expect(facts.bosTokenId).toBeNull();
  });
});
