import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectTypedFailures, jsonCases } from '../../../tools/dev/fuzz.js';
import { loadTrainConfig, parseTrainConfig, TrainerError } from '../src/index.js';

/** A train config with every section given, defaults filled. */
const VALID = parseTrainConfig({
  kind: 'midtrain',
  out: 'runs/mid',
  model: { preset: 'nano', vocabSize: 512, seqLen: 128 },
  tokenizer: 'tok',
  data: { mix: 'mix.json' },
  optim: { lr: 1e-3, schedule: 'cosine', warmupSteps: 5 },
  eval: { mix: 'eval.json', everySteps: 10 },
  steps: 40,
  precision: 'bf16',
});

/** Mutated train configs: each loads or fails with a TrainerError naming the file and the field. */
describe('train config under fuzzing', { timeout: 120_000 }, () => {
  it('500 mutations', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fuzz-train-')), 'run.json');
    const outcome = await expectTypedFailures(
      jsonCases(VALID, 47, 500),
      ({ text }) => {
        writeFileSync(file, text);
        loadTrainConfig(file);
      },
      TrainerError,
      file,
    );
    expect(outcome.rejected).toBeGreaterThan(150);
    expect(outcome.accepted).toBeGreaterThan(20);
  });
});
