import { presetConfig, YoutuModel } from '@agentlm/model';
import { createCpuBackend, memoryStats, noGrad, tidy } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import {
  CacheError,
  fromModel,
  latentBytesPerToken,
  mhaBytesPerToken,
  PagedLatentCache,
} from '../src/index.js';

const cpu = createCpuBackend();
// A tiny nano-shaped model: small enough for a full forward per step on a shared 2-core machine.
const config = presetConfig('nano', { num_hidden_layers: 2, vocab_size: 512, max_position_embeddings: 64 });
const youtu = YoutuModel.init(config, { seed: 3, backend: cpu, requiresGrad: false });

/** Logits of every position of `ids` from the plain (uncached, expanded) forward. */
async function fullLogits(ids: number[]): Promise<Float32Array[]> {
  const logits = tidy(() => noGrad(() => youtu.forward([ids]).logits));
  const flat = (await logits.data()) as Float32Array;
  logits.dispose();
  const v = config.vocabSize;
  return ids.map((_, t) => flat.slice(t * v, (t + 1) * v));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('latent cache + incremental forward', () => {
  it('cached prefill and absorbed decode equal the uncached forward at every step', async () => {
    for (const dtype of ['f32', 'bf16'] as const) {
      const { engine, model } = fromModel(youtu, null, { dtype, chunkTokens: 4 });
      const gen = engine.generate([1, 17, 42, 7, 99], { seed: 5, maxNewTokens: 12, stopTokenIds: [] });
      const steps: Float32Array[] = [];
      // Record the logits each step produced by re-running the same sequence through MlaSequence.
      const result = await gen.complete();
      const ids = [1, 17, 42, 7, 99, ...result.ids];
      const seq = model.newSequence();
      steps.push(await seq.append(ids.slice(0, 5)));
      for (let t = 5; t < ids.length - 1; t++) steps.push(await seq.append([ids[t] as number]));
      expect(seq.cache.capacity).toBeGreaterThanOrEqual(ids.length - 1);
      expect(seq.cache.capacity % 4).toBe(0);
      const reference = await fullLogits(ids.slice(0, -1));
      const tolerance = dtype === 'f32' ? 1e-4 : 3e-2;
      steps.forEach((logits, k) => {
        expect(maxAbsDiff(logits, reference[4 + k] as Float32Array), `${dtype} step ${k}`).toBeLessThan(
          tolerance,
        );
      });
      seq.dispose();
    }
  });

  it('chunked prefill and prefix reuse give the same tokens as one-shot generation', async () => {
    const { engine } = fromModel(youtu, null, { chunkTokens: 8 });
    const live = memoryStats().liveTensors;
    const prompt = Array.from({ length: 20 }, (_, i) => (i * 37) % 512);
    const one = await engine.generate(prompt, { seed: 1, maxNewTokens: 6, stopTokenIds: [] }).complete();
    const chunked = await engine
      .generate(prompt, { seed: 1, maxNewTokens: 6, stopTokenIds: [], prefillChunk: 3 })
      .complete();
    expect(chunked.ids).toEqual(one.ids);
    expect(memoryStats().liveTensors).toBe(live); // one-shot generations free their caches
    const session = engine.createSession();
    await session.generate(prompt.slice(0, 12), { seed: 9, maxNewTokens: 4, stopTokenIds: [] }).complete();
    const reused = await session.generate(prompt, { seed: 1, maxNewTokens: 6, stopTokenIds: [] }).complete();
    expect(reused.ids).toEqual(one.ids);
    // greedy with the same seed twice
    const g1 = await engine
      .generate(prompt, { temperature: 0, maxNewTokens: 5, stopTokenIds: [] })
      .complete();
    const g2 = await engine
      .generate(prompt, { temperature: 0, maxNewTokens: 5, stopTokenIds: [] })
      .complete();
    expect(g2.ids).toEqual(g1.ids);
  });

  it('reports bytes per token against MHA (7.1× for the 2B shape)', () => {
    const big = presetConfig('youtu-2b');
    expect(latentBytesPerToken(big, 'bf16')).toBe(32 * 576 * 2); // 36 KiB
    expect(mhaBytesPerToken(big, 'bf16') / latentBytesPerToken(big, 'bf16')).toBeCloseTo(7.11, 2);
    const cache = new PagedLatentCache(config, cpu, { dtype: 'f16' });
    expect(cache.bytesPerToken).toBe(2 * (64 + 16) * 2);
  });

  it('grows in chunks, truncates, refuses past its limit and after dispose', () => {
    const cache = new PagedLatentCache(config, cpu, { chunkTokens: 4, maxTokens: 10 });
    const rows = (t: number) =>
      tidy(() => ({
        ckv: youtu.weight('model.embed_tokens.weight').slice([0, 0], [t, 64]),
        kPe: youtu.weight('model.embed_tokens.weight').slice([0, 0], [t, 16]),
      }));
    const r3 = rows(3);
    cache.append(0, r3.ckv, r3.kPe);
    expect(cache.capacity).toBe(4);
    cache.append(0, r3.ckv, r3.kPe);
    expect(cache.capacity).toBe(8);
    expect(cache.length(0)).toBe(6);
    const back = cache.read(0).ckv.dataSync();
    const src = r3.ckv.dataSync();
    expect(Array.from(back.slice(3 * 64, 6 * 64))).toEqual(Array.from(src));
    cache.truncate(2);
    expect(cache.length(0)).toBe(2);
    const r9 = rows(9);
    expect(() => cache.append(0, r9.ckv, r9.kPe)).toThrow(/11 tokens exceed the cache limit of 10/);
    expect(() => cache.append(0, r3.kPe, r3.kPe)).toThrow(CacheError);
    cache.dispose();
    expect(() => cache.read(0)).toThrow(/after dispose/);
  });
});
