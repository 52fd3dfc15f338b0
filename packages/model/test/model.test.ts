import { noGrad, tensor, tidy } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import {
  ContiguousLatentCache,
  ModelInputError,
  presetConfig,
  weightSpecs,
  YoutuModel,
} from '../src/index.js';
import { cpu, expectClose, randomModel, tinyConfig } from './helpers.js';
import { referenceForward, referenceLoss } from './reference.js';

const ids = [3, 17, 0, 42, 9, 9, 31, 5, 47, 12];

/** Logits of the full forward for one sequence, [T][V] on the host. */
async function fullLogits(model: YoutuModel, seq: number[]): Promise<Float32Array[]> {
  const logits = tidy(() => noGrad(() => model.forward([seq]).logits));
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  const v = model.config.vocabSize;
  return seq.map((_, t) => data.slice(t * v, (t + 1) * v));
}

describe('YoutuModel forward matches the f64 reference (SPEC §1)', () => {
  it.each([
    ['q_lora + tied head + interleaved rope', {}],
    ['q_lora_rank null + untied head', { q_lora_rank: null, tie_word_embeddings: false }],
    ['non-interleaved rope', { rope_interleave: false }],
    [
      'YaRN (factor 4, mscale ≠ mscale_all_dim)',
      {
        rope_scaling: {
          type: 'yarn',
          factor: 4,
          original_max_position_embeddings: 16,
          beta_fast: 32,
          beta_slow: 1,
          mscale: 1,
          mscale_all_dim: 0.75,
        },
      },
    ],
  ])('%s', async (_name, patch) => {
    const config = tinyConfig(patch);
    const { model, weights } = randomModel(config, cpu);
    const ours = await fullLogits(model, ids);
    const ref = referenceForward(config, weights, ids);
    for (const [t, row] of ours.entries()) expectClose(row, ref[t], 2e-4, `position ${t}`);
    model.dispose();
  });

  it('a legacy YaRN block with factor 1.0 (as the 2B config carries) changes nothing', async () => {
    const yarn = {
      type: 'yarn',
      factor: 1.0,
      original_max_position_embeddings: 64,
      beta_fast: 32,
      beta_slow: 1,
      mscale: 1,
      mscale_all_dim: 1,
    };
    const plain = randomModel(tinyConfig(), cpu).model;
    const scaled = randomModel(tinyConfig({ rope_scaling: yarn }), cpu).model;
    const [a, b] = [await fullLogits(plain, ids), await fullLogits(scaled, ids)];
    for (const [t, row] of a.entries()) expectClose(b[t], row, 1e-6, `position ${t}`);
    plain.dispose();
    scaled.dispose();
  });

  it('loss equals the reference cross-entropy, with ignore index and loss mask', async () => {
    const config = tinyConfig();
    const { model, weights } = randomModel(config, cpu);
    const targets = [...ids.slice(1), -100];
    const ref = referenceForward(config, weights, ids);
    const loss = tidy(() => noGrad(() => model.forward([ids], { targets: [targets] }).loss));
    expect(await loss?.item()).toBeCloseTo(referenceLoss(ref, targets), 4);
    const mask = [0, 0, 1, 1, 1, 0, 1, 1, 1, 1];
    const masked = tidy(() =>
      noGrad(
        () =>
          model.forward([ids], {
            targets: [targets],
            lossMask: tensor(Float32Array.from(mask), [1, ids.length], { backend: cpu }),
          }).loss,
      ),
    );
    const maskedTargets = targets.map((t, i) => (mask[i] === 0 ? -100 : t));
    expect(await masked?.item()).toBeCloseTo(referenceLoss(ref, maskedTargets), 4);
    for (const t of [loss, masked]) t?.dispose();
    model.dispose();
  });
});

describe('incremental forward with a latent cache', () => {
  it('prefill then one-token absorbed decode equals the full forward at every position', async () => {
    const config = tinyConfig();
    const { model } = randomModel(config, cpu);
    const full = await fullLogits(model, ids);
    const cache = new ContiguousLatentCache(config);
    const first = model.prefill(ids.slice(0, 3), cache, { logits: 'all' });
    const firstData = (await first.data()) as Float32Array;
    first.dispose();
    for (let t = 0; t < 3; t++)
      expectClose(firstData.slice(t * 48, (t + 1) * 48), full[t], 1e-4, `prefill position ${t}`);
    for (let t = 3; t < ids.length; t++) {
      const step = model.decodeStep(ids[t], cache);
      expectClose((await step.data()) as Float32Array, full[t], 1e-4, `decode position ${t}`);
      step.dispose();
    }
    expect(cache.length(0)).toBe(ids.length);
    expect(cache.length(config.numHiddenLayers - 1)).toBe(ids.length);
    cache.dispose();
    model.dispose();
  });

  it('the absorbed path equals the expanded path over the same cache history', async () => {
    const config = tinyConfig({ q_lora_rank: null });
    const { model } = randomModel(config, cpu);
    const [a, b] = [new ContiguousLatentCache(config), new ContiguousLatentCache(config)];
    model.prefill(ids.slice(0, 4), a).dispose();
    model.prefill(ids.slice(0, 4), b).dispose();
    const expanded = model.prefill(ids.slice(4), a, { logits: 'all' });
    const absorbed = model.decode(ids.slice(4), b, { logits: 'all' });
    expectClose(
      (await absorbed.data()) as Float32Array,
      (await expanded.data()) as Float32Array,
      1e-4,
      'absorbed vs expanded',
    );
    for (const t of [expanded, absorbed]) t.dispose();
    a.dispose();
    b.dispose();
    model.dispose();
  });

  it('rejects a startPos that does not match the cache, and ids outside the vocabulary', () => {
    const config = tinyConfig();
    const { model } = randomModel(config, cpu);
    const cache = new ContiguousLatentCache(config);
    expect(() => model.prefill([1, 2], cache, { startPos: 3 })).toThrow(
      'prefill: startPos 3 but the cache holds 0 tokens',
    );
    expect(() => model.prefill([1, 48], cache)).toThrow(ModelInputError);
    expect(() => model.forward([[1, -1]])).toThrow(
      'forward: ids: token id -1 at index 1 is outside the vocabulary [0, 48)',
    );
    model.dispose();
  });
});

describe('initialisation and gradients', () => {
  it('init follows SPEC: names from the registry, norms 1, linear std = initializer_range, embeddings 2×', async () => {
    const config = presetConfig('nano');
    const model = YoutuModel.init(config, { seed: 1, backend: cpu });
    expect([...model.params.keys()]).toEqual(weightSpecs(config).map((s) => s.name));
    const std = async (name: string) => {
      const d = (await model.weight(name).data()) as Float32Array;
      return Math.sqrt(d.reduce((s, v) => s + v * v, 0) / d.length);
    };
    expect(await std('model.layers.0.mlp.up_proj.weight')).toBeCloseTo(config.initializerRange, 3);
    expect((await std('model.embed_tokens.weight')) / config.initializerRange).toBeCloseTo(2, 1);
    expect(Array.from((await model.weight('model.norm.weight').data()).slice(0, 3))).toEqual([1, 1, 1]);
    const again = YoutuModel.init(config, { seed: 1, backend: cpu });
    const [x, y] = [
      await again.weight('model.layers.3.self_attn.kv_b_proj.weight').data(),
      await model.weight('model.layers.3.self_attn.kv_b_proj.weight').data(),
    ];
    expect(Buffer.compare(Buffer.from(x.buffer), Buffer.from(y.buffer))).toBe(0);
    model.dispose();
    again.dispose();
  });

  // 24 f64 reference forwards of a nano model: allow for a loaded machine
  it('backward of a nano loss matches finite differences of the f64 reference loss', {
    timeout: 60_000,
  }, async () => {
    const config = presetConfig('nano', { num_hidden_layers: 2 });
    const { model, weights } = randomModel(config, cpu, 3);
    const seq = [5, 900, 17, 2047, 33, 1024, 7, 64];
    const targets = [...seq.slice(1), 11];
    const loss = model.forward([seq], { targets: [targets] }).loss;
    loss?.backward();
    const probes: [string, number][] = [
      ['model.embed_tokens.weight', 900 * 128 + 5],
      ['model.embed_tokens.weight', 11 * 128 + 100],
      ['model.layers.0.self_attn.q_a_proj.weight', 37],
      ['model.layers.0.self_attn.q_b_proj.weight', 1000],
      ['model.layers.0.self_attn.kv_a_proj_with_mqa.weight', 70 * 128 + 3],
      ['model.layers.1.self_attn.kv_a_proj_with_mqa.weight', 5 * 128 + 9],
      ['model.layers.1.self_attn.kv_b_proj.weight', 333],
      ['model.layers.1.self_attn.kv_a_layernorm.weight', 4],
      ['model.layers.0.self_attn.o_proj.weight', 777],
      ['model.layers.1.mlp.down_proj.weight', 4321],
      ['model.layers.0.input_layernorm.weight', 10],
      ['model.norm.weight', 99],
    ];
    const eps = 1e-3;
    for (const [name, index] of probes) {
      const grad = (await model.weight(name).grad?.data()) as Float32Array;
      const w = weights.get(name) as Float32Array;
      const original = w[index];
      const f64 = new Map([...weights].map(([k, v]) => [k, k === name ? Float64Array.from(v) : v] as const));
      const probe = f64.get(name) as Float64Array;
      probe[index] = original + eps;
      const up = referenceLoss(referenceForward(config, f64, seq), targets);
      probe[index] = original - eps;
      const down = referenceLoss(referenceForward(config, f64, seq), targets);
      const numeric = (up - down) / (2 * eps);
      expect(
        Math.abs(grad[index] - numeric),
        `${name}[${index}]: analytic ${grad[index]} vs numeric ${numeric}`,
      ).toBeLessThan(2e-4 + 2e-2 * Math.abs(numeric));
    }
    loss?.dispose();
    model.dispose();
  });
});
