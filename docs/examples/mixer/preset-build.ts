// Build the report's curriculum (commonsense → STEM → long context → agentic) at a tiny scale with a
// freshly trained BPE tokenizer, print the report, then read packed batches the way a trainer does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildMix,
  builtinGenerators,
  encoderFromTokenizer,
  generateDocument,
  MixDataset,
  type TextDocument,
  youtuCurriculum,
} from '@agentlm/mixer';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';

// A small STEM-leaning tokenizer trained on the built-in generators' text.
const texts = ['commonsense', 'stem', 'code'].flatMap((g) =>
  Array.from(
    { length: 200 },
    (_, i) => (generateDocument(builtinGenerators[g], g, 0, i) as TextDocument).text,
  ),
);
const tokenizer = await trainTokenizer({
  corpus: { texts },
  vocabSize: 2048,
  specialTokens: AGENT_SPECIAL_TOKENS,
});

const curriculum = youtuCurriculum({ totalTokens: 400_000, seqLen: 256, seed: 1 });
const out = mkdtempSync(join(tmpdir(), 'mixer-example-'));
const { index, report } = await buildMix(curriculum, { out, encoder: encoderFromTokenizer(tokenizer) });

console.log(`built ${index.sequences} sequences (${index.tokens} tokens) in ${index.shards.length} shards`);
for (const stage of report.stages) {
  const shares = stage.sources
    .filter((s) => s.delivered > 0)
    .map((s) => `${s.name} ${(100 * s.share).toFixed(0)}%`)
    .join(', ');
  console.log(
    `  ${stage.name.padEnd(12)} seq ${String(stage.seqLen).padStart(4)}  lr ${stage.lr.padEnd(6)}  ${shares}`,
  );
}

// The trainer's side: batches of one stage at a time, resumable from `state`.
const dataset = MixDataset.open(out);
const batches = dataset.batches(8);
const first = batches.next().value;
if (!first) throw new Error('empty mix');
console.log(
  `first batch: ${first.batchSize} × ${first.seqLen} tokens of stage ${first.stageName}, resume state`,
  first.state,
);
const trained = first.lossMask.reduce((a, b) => a + b, 0);
console.log(
  `loss applies to ${trained} of ${first.tokens.length} tokens; row 0 starts documents at ${Array.from(first.docStarts[0])}`,
);
console.log(`row 0 begins: ${JSON.stringify(tokenizer.decode(Array.from(first.tokens.subarray(0, 40))))}`);
rmSync(out, { recursive: true, force: true });
