import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@agentlm/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { presetConfig, quantizeCheckpoint, saveModel, YoutuModel } from '../src/index.js';

/**
 * One copy of the weights: a `small`-shaped model (100M parameters) saved in bf16 and loaded, in a fresh process
 * so the resident memory is the load's alone, grows the process by little more than its weight bytes — through
 * the first decode step, where the CPU GEMV reads the weights in place (before, a load held a staging buffer and
 * the first product moved every weight into the GEMV's memory: twice the bytes). The exact 2B figure is
 * `pnpm bench inference`'s; this bound is generous on purpose.
 */
const dist = new URL('../dist/index.js', import.meta.url).href;
let dir = '';
let q4Dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'resident-'));
  const config = presetConfig('small');
  const model = YoutuModel.init(config, { seed: 1, backend: createCpuBackend(), requiresGrad: false });
  await saveModel(model, dir, { dtype: 'bfloat16' });
  model.dispose();
  q4Dir = join(dir, 'q4');
  await quantizeCheckpoint(dir, q4Dir, 'q4');
}, 300_000);

function measure(from: string, dtype: string): { before: number; after: number; weights: number } {
  const script = `
const { loadModel, ContiguousLatentCache } = await import(${JSON.stringify(dist)});
const { storageBytes } = await import('@agentlm/tensor');
globalThis.gc?.();
const before = process.memoryUsage.rss();
const model = await loadModel(${JSON.stringify(from)}, ${dtype === 'auto' ? '{}' : `{ dtype: ${JSON.stringify(dtype)} }`});
const cache = new ContiguousLatentCache(model.config, model.backend);
model.decodeStep(1, cache).dispose();
let weights = 0;
for (const t of model.params.values()) weights += storageBytes(t.size, t.dtype);
globalThis.gc?.();
console.log(JSON.stringify({ before, after: process.memoryUsage.rss(), weights }));`;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout.trim().split('\n').pop() as string);
}

describe('resident memory of a loaded model', () => {
  it.each([
    ['bf16', 'auto'],
    ['q4', 'auto'],
    ['bf16', 'q4'],
  ])('is one copy of the weights (a %s checkpoint, dtype %s)', (stored, dtype) => {
    const { before, after, weights } = measure(stored === 'q4' ? q4Dir : dir, dtype);
    const grown = after - before;
    expect(weights).toBeGreaterThan(stored === 'q4' || dtype === 'q4' ? 50e6 : 150e6);
    expect(grown).toBeLessThan(1.25 * weights + 80e6);
  });
});
