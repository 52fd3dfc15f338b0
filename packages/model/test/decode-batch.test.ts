import type { Backend } from '@agentlm/tensor';
import { webgpuForTests } from '@agentlm/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ContiguousLatentCache, ModelInputError, type YoutuModel } from '../src/index.js';
import { cpu, expectClose, randomModel, tinyConfig } from './helpers.js';

/**
 * decodeBatch (one absorbed step over B sequences) against B separate decodeSteps: sequences at different
 * positions (prompts of 1 to 20 tokens, so the caches' 16-row buffers grow at different steps), joining and
 * leaving between steps. On WebGPU (Dawn + lavapipe) the same, and against the CPU; without an adapter that
 * part fails under CI and skips locally with the reason printed.
 */
const { gpu, reason } = await webgpuForTests();
if (gpu === null) console.warn(`skipping WebGPU batched decode tests: ${reason}`);
afterAll(() => gpu?.destroy());

const prompts = [
  [5],
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14],
  [3, 17, 0, 42, 9, 9, 31, 5, 47, 12, 1, 2, 3, 44, 45, 46, 8, 8, 8, 30],
  [7, 7, 7],
  [11, 12],
  [40, 41, 42, 43, 44, 45, 46, 47, 0],
  [2, 4, 6, 8, 10],
  [9],
  [30, 31, 32, 33, 34, 35],
];
/** The token sequence b decodes at step t (teacher-forced, so both runs see the same inputs). */
const tokenAt = (b: number, t: number) => (b * 7 + t * 5 + 3) % 48;
const STEPS = 6;

/** Which sequences take part in step t: all but those that joined late or left early. */
type Schedule = (b: number, t: number) => boolean;

/** Every step's logits per sequence: [sequence][step] (undefined where it sat out). */
async function run(
  model: YoutuModel,
  count: number,
  schedule: Schedule,
  batched: boolean,
): Promise<(Float32Array | undefined)[][]> {
  const caches = prompts.slice(0, count).map((prompt) => {
    const cache = new ContiguousLatentCache(model.config);
    model.prefill(prompt, cache).dispose();
    return cache;
  });
  const out: (Float32Array | undefined)[][] = caches.map(() => []);
  const taken = caches.map(() => 0);
  const vocab = model.config.vocabSize;
  for (let t = 0; t < STEPS; t++) {
    const members = caches.map((_, b) => b).filter((b) => schedule(b, t));
    const ids = members.map((b) => tokenAt(b, taken[b]++));
    if (batched) {
      const logits = model.decodeBatch(
        ids,
        members.map((b) => caches[b] as ContiguousLatentCache),
      );
      const data = (await logits.data()) as Float32Array;
      logits.dispose();
      for (const [row, b] of members.entries()) out[b][t] = data.slice(row * vocab, (row + 1) * vocab);
    } else {
      for (const [row, b] of members.entries()) {
        const logits = model.decodeStep(ids[row] as number, caches[b] as ContiguousLatentCache);
        out[b][t] = Float32Array.from((await logits.data()) as Float32Array);
        logits.dispose();
      }
    }
  }
  for (const [b, cache] of caches.entries()) {
    expect(cache.length(model.config.numHiddenLayers - 1)).toBe((prompts[b]?.length ?? 0) + taken[b]);
    cache.dispose();
  }
  return out;
}

function expectSame(
  actual: (Float32Array | undefined)[][],
  expected: (Float32Array | undefined)[][],
  tol: number,
  what: string,
): void {
  for (const [b, steps] of expected.entries()) {
    for (const [t, want] of steps.entries()) {
      const got = actual[b]?.[t];
      expect(got === undefined, `${what}: sequence ${b} step ${t} present`).toBe(want === undefined);
      if (want !== undefined) expectClose(got as Float32Array, want, tol, `${what}: sequence ${b} step ${t}`);
    }
  }
}

const everyone: Schedule = () => true;
/** Sequence 1 joins at step 2, sequence 0 leaves after step 2, sequence 3 sits out step 4. */
const churn: Schedule = (b, t) => !(b === 1 && t < 2) && !(b === 0 && t > 2) && !(b === 3 && t === 4);

function cases(backend: () => Backend, tol: number) {
  it.each([
    ['4 sequences at mixed positions', 4, everyone, {}],
    ['joining and leaving between steps', 4, churn, {}],
    ['9 sequences (a GEMM, not a GEMV, on the CPU)', 9, everyone, {}],
    [
      'q_lora_rank null, untied head, plain rope',
      3,
      churn,
      { q_lora_rank: null, tie_word_embeddings: false, rope_interleave: false },
    ],
  ])('%s: equals separate decode steps', async (_, count, schedule, patch) => {
    const { model } = randomModel(tinyConfig(patch), backend(), 21);
    const separate = await run(model, count, schedule, false);
    const together = await run(model, count, schedule, true);
    expectSame(together, separate, tol, 'batched vs separate');
    model.dispose();
  });
}

describe('decodeBatch on the CPU', () => {
  cases(() => cpu, 1e-5);

  it('rejects a cache given twice and mismatched lengths', () => {
    const { model } = randomModel(tinyConfig(), cpu);
    const cache = new ContiguousLatentCache(model.config);
    expect(() => model.decodeBatch([1, 2], [cache, cache])).toThrow(ModelInputError);
    expect(() => model.decodeBatch([1, 2], [cache])).toThrow(/2 ids and 1 caches/);
    expect(() => model.decodeBatch([99], [cache])).toThrow(/outside the vocabulary/);
    cache.dispose();
    model.dispose();
  });
});

describe.skipIf(gpu === null)('decodeBatch on WebGPU', () => {
  cases(() => gpu as Backend, 1e-4);

  it('agrees with the CPU', async () => {
    const onCpu = randomModel(tinyConfig(), cpu, 22).model;
    const onGpu = randomModel(tinyConfig(), gpu as Backend, 22).model;
    expectSame(await run(onGpu, 5, churn, true), await run(onCpu, 5, churn, true), 5e-4, 'webgpu vs cpu');
    onCpu.dispose();
    onGpu.dispose();
  });
});

it('reports whether the WebGPU batched decode tests ran', () => {
  expect(gpu !== null || reason.length > 0).toBe(true);
});
