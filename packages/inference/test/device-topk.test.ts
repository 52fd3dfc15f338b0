import { presetConfig, YoutuModel } from '@agentlm/model';
import { type Backend, createCpuBackend, tensor, topk } from '@agentlm/tensor';
import { webgpuForTests } from '@agentlm/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Engine,
  fromModel,
  type LanguageModel,
  MlaSequence,
  type ModelSequence,
  type PagedLatentCache,
  Sampler,
  type SamplingOptions,
  type TopKLogits,
} from '../src/index.js';
import { FakeModel } from './helpers/fakes.js';

/**
 * Top-k sampling from the k best logits (read back from where the logits are) must pick exactly the
 * tokens the host path picks from the whole row, for the same seed.
 */
const SETTINGS: SamplingOptions[] = [
  { topK: 40, temperature: 0.8, seed: 1 },
  { topK: 5, topP: 0.9, seed: 2 },
  { topK: 256, minP: 0.05, temperature: 1.3, seed: 3 },
  { topK: 1, seed: 4 },
  { topK: 17, topP: 0.5, minP: 0.1, temperature: 2, seed: 5 },
];
const STEPS = 8;

type TopKSequence = ModelSequence & Required<Pick<ModelSequence, 'appendTopK'>>;

/** Tokens of STEPS steps after `prompt`: through `appendTopK` + `sampleTopK`, or `append` + `sample`. */
async function decode(
  seq: TopKSequence,
  prompt: number[],
  opts: SamplingOptions,
  vocab: number,
  device: boolean,
): Promise<number[]> {
  const sampler = new Sampler(opts, vocab);
  const out: number[] = [];
  let next = prompt;
  for (let i = 0; i < STEPS; i++) {
    let id: number;
    if (device) {
      const best = await seq.appendTopK(next, sampler.deviceTopK);
      expect(best).not.toBeInstanceOf(Float32Array);
      id = sampler.sampleTopK(best as TopKLogits);
    } else {
      id = sampler.sample(await seq.append(next));
    }
    sampler.observe(id);
    out.push(id);
    next = [id];
  }
  seq.dispose();
  return out;
}

async function expectSameTokens(model: LanguageModel, prompt: number[]): Promise<void> {
  for (const opts of SETTINGS) {
    expect(new Sampler(opts, model.vocabSize).deviceTopK, JSON.stringify(opts)).toBeGreaterThan(0);
    const host = await decode(model.newSequence() as TopKSequence, prompt, opts, model.vocabSize, false);
    const device = await decode(model.newSequence() as TopKSequence, prompt, opts, model.vocabSize, true);
    expect(device, JSON.stringify(opts)).toEqual(host);
    const generated = await new Engine(model)
      .generate(prompt, { ...opts, maxNewTokens: STEPS, stopTokenIds: [] })
      .complete();
    expect(generated.ids, JSON.stringify(opts)).toEqual(host);
  }
}

const cpu = createCpuBackend();

/** FakeModel logits rounded to quarters (many ties) with every 7th id banned (-Infinity), plus a counted appendTopK. */
class TiedFake extends FakeModel {
  topKCalls = 0;

  override logitsAfter(ids: readonly number[]): Float32Array {
    return super
      .logitsAfter(ids)
      .map((v, i) => (i % 7 === 3 ? Number.NEGATIVE_INFINITY : Math.round(v * 4) / 4));
  }

  override newSequence(): ModelSequence {
    const seq = super.newSequence();
    const model = this;
    return Object.assign(seq, {
      async appendTopK(ids: readonly number[], k: number): Promise<TopKLogits> {
        model.topKCalls++;
        const logits = await seq.append(ids);
        const best = topk(tensor(logits, [logits.length], { backend: cpu }), k);
        const result = {
          values: Float32Array.from(await best.values.data()),
          ids: Int32Array.from(await best.indices.data()),
        };
        best.values.dispose();
        best.indices.dispose();
        return result;
      },
    });
  }
}

describe('device-side top-k sampling', () => {
  it('Sampler.deviceTopK: k for plain top-k (capped at the vocabulary), 0 when the whole row is needed', () => {
    expect(new Sampler({ topK: 40 }, 1000).deviceTopK).toBe(40);
    expect(new Sampler({ topK: 256 }, 100).deviceTopK).toBe(100);
    for (const opts of [
      { topK: 0 },
      { topK: 257 },
      { topK: 40, temperature: 0 },
      { topK: 40, logitBias: { 3: 1 } },
      { topK: 40, repetitionPenalty: 1.1 },
      { topK: 40, presencePenalty: 0.5 },
      { topK: 40, frequencyPenalty: 0.5 },
    ]) {
      expect(new Sampler(opts, 1000).deviceTopK, JSON.stringify(opts)).toBe(0);
    }
  });

  it('ties and banned tokens: the k candidates give the host tokens; generation uses appendTopK only when it may', async () => {
    const model = new TiedFake({ vocabSize: 300 });
    await expectSameTokens(model, [256, 65]);
    expect(model.topKCalls).toBeGreaterThan(0);
    model.topKCalls = 0;
    for (const opts of [{ topK: 40, repetitionPenalty: 1.2 }, { topK: 300 }, { topK: 40, temperature: 0 }]) {
      await new Engine(model).generate([256, 65], { ...opts, seed: 9, maxNewTokens: 4 }).complete();
    }
    expect(model.topKCalls).toBe(0);
  });

  it('MlaSequence.appendTopK returns the whole row when a candidate is NaN (the host path decides then)', async () => {
    const row = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i));
    const stub = (logits: Float32Array) =>
      new MlaSequence(
        { decodeBatch: () => tensor(logits, [1, logits.length], { backend: cpu }) } as unknown as YoutuModel,
        { length: () => 0, maxTokens: 10 } as unknown as PagedLatentCache,
      );
    const best = await stub(row).appendTopK([1], 3);
    const top3 = [...row.keys()].sort((a, b) => row[b]! - row[a]!).slice(0, 3); // distinct values: no ties
    expect(best).toEqual({ values: Float32Array.from(top3, (i) => row[i]!), ids: Int32Array.from(top3) });
    const withNaN = row.map((v, i) => (i === 20 ? Number.NaN : v));
    expect(await stub(withNaN).appendTopK([1], 3)).toEqual(withNaN);
  });

  it('the MLA engine on the CPU backend', async () => {
    const config = presetConfig('nano', {
      num_hidden_layers: 2,
      vocab_size: 512,
      max_position_embeddings: 64,
    });
    const youtu = YoutuModel.init(config, { seed: 5, backend: cpu, requiresGrad: false });
    await expectSameTokens(fromModel(youtu, null).model, [5, 81, 200, 7]);
    youtu.dispose();
  });
});

const { gpu, reason } = await webgpuForTests();
if (gpu === null) console.warn(`skipping WebGPU device top-k tests: ${reason}`);
afterAll(() => gpu?.destroy());

describe.skipIf(gpu === null)('device-side top-k sampling on WebGPU', () => {
  it('reads back k candidates and picks the host tokens (vocab 512 and k = vocab 256)', async () => {
    for (const vocab of [512, 256]) {
      const config = presetConfig('nano', {
        num_hidden_layers: 2,
        vocab_size: vocab,
        max_position_embeddings: 64,
      });
      const youtu = YoutuModel.init(config, { seed: 9, backend: gpu as Backend, requiresGrad: false });
      await expectSameTokens(fromModel(youtu, null).model, [5, 81, 200, 7]);
      youtu.dispose();
    }
  });
});
