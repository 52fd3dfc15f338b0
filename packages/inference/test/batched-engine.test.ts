import { presetConfig, YoutuModel } from '@agentlm/model';
import { type Backend, createCpuBackend } from '@agentlm/tensor';
import { webgpuForTests } from '@agentlm/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type CacheDType, fromModel, type GenerateOptions, PagedLatentCache } from '../src/index.js';

/**
 * Concurrent generations on the MLA engine decode together (one batched step per iteration) and give each
 * request exactly the tokens it gets alone: greedy, device top-k and whole-row sampling (penalties) mixed in
 * one batch, prompts of different lengths, requests joining while others decode and leaving early. On the CPU
 * and on WebGPU (Dawn + lavapipe; without an adapter that part fails under CI and skips locally).
 */
const { gpu, reason } = await webgpuForTests();
if (gpu === null) console.warn(`skipping WebGPU batched engine tests: ${reason}`);
afterAll(() => gpu?.destroy());

const config = presetConfig('nano', { num_hidden_layers: 2, vocab_size: 256, max_position_embeddings: 96 });

const REQUESTS: { prompt: number[]; options: GenerateOptions }[] = [
  { prompt: [5, 81, 200, 7], options: { temperature: 0, maxNewTokens: 12 } },
  { prompt: [9], options: { topK: 20, temperature: 0.9, seed: 3, maxNewTokens: 10 } },
  {
    prompt: Array.from({ length: 30 }, (_, i) => (i * 37) % 256),
    options: { repetitionPenalty: 1.3, seed: 5, maxNewTokens: 14 },
  },
  { prompt: [1, 2, 3], options: { temperature: 0, maxNewTokens: 3 } }, // leaves early
  { prompt: [77, 78, 79, 80, 81, 82], options: { topP: 0.8, seed: 8, maxNewTokens: 9 } },
];

async function tokensOf(backend: Backend, cacheDtype: CacheDType, together: boolean): Promise<number[][]> {
  const youtu = YoutuModel.init(config, { seed: 6, backend, requiresGrad: false });
  // A small prefill chunk: the long prompt's prefill interleaves with the others' decode steps.
  const { engine } = fromModel(youtu, null, { dtype: cacheDtype, chunkTokens: 8, prefillChunk: 8 });
  const run = (r: (typeof REQUESTS)[number]) =>
    engine.generate(r.prompt, { ...r.options, stopTokenIds: [] }).complete();
  let ids: number[][];
  if (together) {
    // The last two join after the first three have started decoding.
    const first = REQUESTS.slice(0, 3).map(run);
    await new Promise((r) => setTimeout(r, 5));
    const later = REQUESTS.slice(3).map(run);
    ids = (await Promise.all([...first, ...later])).map((r) => r.ids);
    const batches = engine.scheduler.stats.batchSize;
    expect(batches.sum / batches.count, 'mean decode batch').toBeGreaterThan(1.5);
  } else {
    ids = [];
    for (const r of REQUESTS) ids.push((await run(r)).ids);
  }
  expect(engine.scheduler.reservedCacheBytes).toBe(0);
  youtu.dispose();
  return ids;
}

function cases(backend: () => Backend) {
  it.each(['f32', 'bf16'] as const)(
    '%s cache: concurrent requests get the tokens they get alone',
    async (dtype) => {
      const alone = await tokensOf(backend(), dtype, false);
      const together = await tokensOf(backend(), dtype, true);
      expect(together).toEqual(alone);
      expect(alone.map((ids) => ids.length)).toEqual(REQUESTS.map((r) => r.options.maxNewTokens));
    },
  );
}

describe('batched decode through the engine (CPU)', () => {
  cases(() => createCpuBackend());

  it('reserves each request’s cache when it starts and frees it at the end; the budget queues requests', async () => {
    const youtu = YoutuModel.init(config, { seed: 6, backend: createCpuBackend(), requiresGrad: false });
    const perRequest = PagedLatentCache.reservedBytes(config, { chunkTokens: 8 }, 4 + 10);
    const { engine, model } = fromModel(youtu, null, { chunkTokens: 8, kvCacheBytes: perRequest });
    expect(model.cacheBytes(14)).toBe(perRequest);
    const options = { temperature: 0, maxNewTokens: 10, stopTokenIds: [] };
    const a = engine.generate([1, 2, 3, 4], options);
    const b = engine.generate([5, 6, 7, 8], options);
    expect([engine.scheduler.runningRequests, engine.scheduler.waitingRequests]).toEqual([1, 1]);
    const [ra, rb] = await Promise.all([a.complete(), b.complete()]);
    expect([ra.ids.length, rb.ids.length]).toEqual([10, 10]);
    expect(engine.scheduler.reservedCacheBytes).toBe(0);
    expect(() => engine.generate([1, 2, 3, 4], { maxNewTokens: 40 })).toThrow(/--kv-cache-bytes/);
    youtu.dispose();
  });
});

describe.skipIf(gpu === null)('batched decode through the engine (WebGPU)', () => {
  cases(() => gpu as Backend);
});

it('reports whether the WebGPU batched engine tests ran', () => {
  expect(gpu !== null || reason.length > 0).toBe(true);
});
