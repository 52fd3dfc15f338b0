// Train a small STEM-oriented tokenizer in memory, look at how it splits math and code, save and reload it.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_SPECIAL_TOKENS, Tokenizer, trainTokenizer } from '@agentlm/tokenizer';

const lines: string[] = [];
for (let i = 0; i < 400; i++) {
  lines.push(`$\\frac{${i % 13}}{${(i % 7) + 1}} + \\alpha_${i % 5} \\leq \\beta$ holds for n = ${i}.`);
  lines.push(`def step_${i % 11}(x):\n    if x >= ${i % 9}:\n        return x ** 2\n    return x\n`);
  lines.push(`The agent reads ${i} files, checks the results and writes a short summary.`);
}

const tok = await trainTokenizer({
  corpus: { texts: lines },
  vocabSize: 800,
  preset: 'stem',
  specialTokens: AGENT_SPECIAL_TOKENS,
});
console.log(`vocabulary: ${tok.vocabSize} ids, BOS ${tok.bosId}, EOS ${tok.eosId}`);

const show = (text: string) => {
  const ids = tok.encode(text);
  const pieces = ids.map((id) => tok.decode([id]));
  console.log(
    `${JSON.stringify(text)} -> ${ids.length} tokens: ${pieces.map((p) => JSON.stringify(p)).join(' ')}`,
  );
};
show('\\frac{12}{7} \\leq \\beta');
show('    if x >= 2024:\n        return x ** 2');
show('The agent reads 365 files.');

const dir = await mkdtemp(join(tmpdir(), 'agentlm-tokenizer-example-'));
await tok.save(dir);
const reloaded = await Tokenizer.fromFile(dir);
const ids = reloaded.encode('round trip ✓', { addSpecialTokens: true });
console.log(
  `saved to ${dir}; reloaded encodes with BOS: [${ids.join(', ')}] -> ${JSON.stringify(reloaded.decode(ids))}`,
);
