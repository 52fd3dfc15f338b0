import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Checkpoint, readConfig, weightSpecs } from '../src/index.js';
import { referenceForward } from './reference.js';

/**
 * test/fixtures/golden-tiny holds a random 2-layer checkpoint and the logits the f64 reference forward
 * (test/reference.ts) computed for it when the fixture was made (test/fixtures/make-golden.ts).
 */
const dir = join(import.meta.dirname, 'fixtures', 'golden-tiny');
const golden = JSON.parse(readFileSync(join(dir, 'golden.json'), 'utf8')) as {
  ids: number[];
  logits: number[][];
};

async function fixtureWeights() {
  const config = await readConfig(dir);
  const ckpt = await Checkpoint.open(dir);
  const weights = new Map<string, Float32Array>();
  for (const s of weightSpecs(config)) weights.set(s.name, (await ckpt.read(s.name)) as Float32Array);
  await ckpt.close();
  return { config, weights };
}

describe('golden logits (fixtures/golden-tiny)', () => {
  it('the f64 reference still reproduces the committed logits', async () => {
    const { config, weights } = await fixtureWeights();
    const logits = referenceForward(config, weights, golden.ids);
    expect(logits.length).toBe(golden.ids.length);
    logits.forEach((row, t) => {
      row.forEach((v, i) => {
        expect(Math.abs(v - golden.logits[t][i])).toBeLessThan(1e-6);
      });
    });
  });
});
