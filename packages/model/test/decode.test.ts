import { keep, memoryStats, mul, noGrad, type Tensor, tidy } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import { ContiguousLatentCache, type YoutuModel } from '../src/index.js';
import { cpu, expectClose, randomModel, tinyConfig } from './helpers.js';

// 20 tokens: the cache's buffers (16 rows to start) grow once in the middle of the decode.
const ids = [3, 17, 0, 42, 9, 9, 31, 5, 47, 12, 1, 2, 3, 44, 45, 46, 8, 8, 8, 30];

async function fullLogits(model: YoutuModel, seq: number[]): Promise<Float32Array[]> {
  const logits = tidy(() => noGrad(() => model.forward([seq]).logits));
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  const v = model.config.vocabSize;
  return seq.map((_, t) => data.slice(t * v, (t + 1) * v));
}

/** Decodes `seq` one token at a time from an empty cache; the logits of every step on the host. */
async function decodeAll(model: YoutuModel, seq: number[], cache: ContiguousLatentCache) {
  const steps: Float32Array[] = [];
  for (const id of seq) {
    const logits = model.decodeStep(id, cache);
    steps.push((await logits.data()) as Float32Array);
    logits.dispose();
  }
  return steps;
}

describe('one-token absorbed decode (kernel chain over the cache in place)', () => {
  it.each([
    ['q_lora + tied head + interleaved rope', {}],
    ['q_lora_rank null + untied head', { q_lora_rank: null, tie_word_embeddings: false }],
    ['non-interleaved rope', { rope_interleave: false }],
    [
      'YaRN (factor 4, mscale_all_dim)',
      {
        rope_scaling: {
          type: 'yarn',
          factor: 4,
          original_max_position_embeddings: 16,
          mscale: 1,
          mscale_all_dim: 0.75,
        },
      },
    ],
  ])('%s: from an empty cache, every step equals the full forward', async (_, patch) => {
    const config = tinyConfig(patch);
    const { model } = randomModel(config, cpu);
    const full = await fullLogits(model, ids);
    const cache = new ContiguousLatentCache(config);
    const steps = await decodeAll(model, ids, cache);
    for (const [t, s] of steps.entries()) expectClose(s, full[t] as Float32Array, 1e-4, `position ${t}`);
    expect(cache.length(config.numHiddenLayers - 1)).toBe(ids.length);
    cache.dispose();
    model.dispose();
  });

  it('rows written by the decode are the history a later prefill reads (and the other way round)', async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, cpu);
    const full = await fullLogits(model, ids.slice(0, 9));
    const cache = new ContiguousLatentCache(config);
    await decodeAll(model, ids.slice(0, 3), cache);
    const prefilled = model.prefill(ids.slice(3, 6), cache, { logits: 'all' });
    const rows = (await prefilled.data()) as Float32Array;
    prefilled.dispose();
    const v = config.vocabSize;
    for (let t = 0; t < 3; t++)
      expectClose(rows.slice(t * v, (t + 1) * v), full[3 + t] as Float32Array, 1e-4, `prefill ${t}`);
    const after = await decodeAll(model, ids.slice(6, 9), cache);
    for (const [t, s] of after.entries()) expectClose(s, full[6 + t] as Float32Array, 1e-4, `decode ${t}`);
    cache.dispose();
    model.dispose();
  });

  it('allocates nothing per step but the logits it returns', async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, cpu);
    const cache = new ContiguousLatentCache(config);
    model.prefill(ids.slice(0, 4), cache).dispose();
    model.decodeStep(ids[4] as number, cache).dispose(); // scratch buffers are made on the first step
    const before = memoryStats();
    for (const id of ids.slice(5, 12)) {
      const logits = model.decodeStep(id, cache);
      expect(memoryStats().liveTensors).toBe(before.liveTensors + 1);
      logits.dispose();
    }
    expect(memoryStats().liveTensors).toBe(before.liveTensors);
    cache.dispose();
    model.dispose();
  });

  it('uses the current weights: a replaced kv_b_proj changes the decode as it changes the forward', async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, cpu);
    const cache = new ContiguousLatentCache(config);
    const before = await decodeAll(model, ids.slice(0, 3), cache);
    const name = 'model.layers.1.self_attn.kv_b_proj.weight';
    const old = model.weight(name);
    const scaled: Tensor = keep(noGrad(() => mul(old, 1.5)));
    model.params.set(name, scaled);
    old.dispose();
    const full = await fullLogits(model, ids.slice(0, 4));
    cache.dispose();
    const fresh = new ContiguousLatentCache(config);
    const after = await decodeAll(model, ids.slice(0, 4), fresh);
    for (const [t, s] of after.entries()) expectClose(s, full[t] as Float32Array, 1e-4, `position ${t}`);
    expect(Math.abs((after[2]?.[0] as number) - (before[2]?.[0] as number))).toBeGreaterThan(1e-4);
    fresh.dispose();
    model.dispose();
  });
});
