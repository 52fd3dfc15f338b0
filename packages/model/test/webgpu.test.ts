import { type Backend, noGrad, tidy } from '@agentlm/tensor';
import { webgpuForTests } from '@agentlm/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { ContiguousLatentCache, type YoutuModel } from '../src/index.js';
import { cpu, expectClose, randomModel, tinyConfig } from './helpers.js';

/**
 * CPU and WebGPU (Dawn, Mesa lavapipe here) must agree. Without an adapter this file fails under CI and
 * skips locally with the reason printed.
 */
const { gpu, reason } = await webgpuForTests();
if (gpu === null) console.warn(`skipping CPU/WebGPU agreement tests: ${reason}`);

afterAll(() => gpu?.destroy());

async function logitsOf(model: YoutuModel, ids: number[]): Promise<Float32Array> {
  const out = tidy(() => noGrad(() => model.forward([ids]).logits));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

const ids = [4, 40, 0, 21, 21, 7, 33, 1];

describe.skipIf(gpu === null)('CPU and WebGPU agree', () => {
  it('full forward logits', async () => {
    const config = tinyConfig();
    const onCpu = randomModel(config, cpu, 11).model;
    const onGpu = randomModel(config, gpu as Backend, 11).model;
    expectClose(await logitsOf(onGpu, ids), await logitsOf(onCpu, ids), 5e-4, 'webgpu vs cpu logits');
    onCpu.dispose();
    onGpu.dispose();
  });

  it('absorbed decode on WebGPU equals the CPU full forward', async () => {
    const config = tinyConfig({ q_lora_rank: null });
    const onCpu = randomModel(config, cpu, 12).model;
    const onGpu = randomModel(config, gpu as Backend, 12).model;
    const full = await logitsOf(onCpu, ids);
    const cache = new ContiguousLatentCache(config);
    onGpu.prefill(ids.slice(0, 2), cache).dispose();
    for (let t = 2; t < ids.length; t++) {
      const step = onGpu.decodeStep(ids[t], cache);
      expectClose(
        (await step.data()) as Float32Array,
        full.slice(t * 48, (t + 1) * 48),
        5e-4,
        `decode position ${t}`,
      );
      step.dispose();
    }
    cache.dispose();
    onCpu.dispose();
    onGpu.dispose();
  });

  it('loss gradients', async () => {
    const config = tinyConfig();
    const grads = async (backend: Backend) => {
      const { model } = randomModel(config, backend, 13);
      const loss = model.forward([ids], { targets: [[...ids.slice(1), 2]] }).loss;
      loss?.backward();
      const out = await Promise.all(
        [
          'model.embed_tokens.weight',
          'model.layers.1.self_attn.kv_b_proj.weight',
          'model.layers.0.self_attn.q_a_proj.weight',
        ].map(async (n) => (await model.weight(n).grad?.data()) as Float32Array),
      );
      loss?.dispose();
      model.dispose();
      return out;
    };
    const [a, b] = [await grads(cpu), await grads(gpu as Backend)];
    for (let i = 0; i < a.length; i++) expectClose(b[i], a[i], 5e-4, `gradient ${i}`);
  });
});

it('reports whether the WebGPU agreement tests ran', () => {
  expect(gpu !== null || reason.length > 0).toBe(true);
});
