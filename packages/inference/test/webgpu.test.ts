import { presetConfig, YoutuModel } from '@agentlm/model';
import { type Backend, initBackend, noGrad, tidy } from '@agentlm/tensor';
import { webgpuForTests } from '@agentlm/tensor/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { argmax, fromModel } from '../src/index.js';

/**
 * Generation on WebGPU (Dawn, Mesa lavapipe here): the latent cache's in-place row writes and growth run
 * through the WebGPU copy kernel. Without an adapter this file fails under CI and skips locally with the
 * reason printed.
 */
const { gpu, reason } = await webgpuForTests();
if (gpu === null) console.warn(`skipping WebGPU generation tests: ${reason}`);
afterAll(() => gpu?.destroy());

describe.skipIf(gpu === null)('generation on WebGPU', () => {
  it('cached prefill + absorbed decode equal the uncached forward, and match CPU tokens', async () => {
    const config = presetConfig('nano', {
      num_hidden_layers: 2,
      vocab_size: 256,
      max_position_embeddings: 64,
    });
    const onGpu = YoutuModel.init(config, { seed: 4, backend: gpu as Backend, requiresGrad: false });
    const { model } = fromModel(onGpu, null, { dtype: 'bf16', chunkTokens: 4 });
    const ids = [3, 14, 15, 92, 65, 35, 89, 79, 32];
    const seq = model.newSequence();
    const steps = [await seq.append(ids.slice(0, 4))];
    for (const id of ids.slice(4)) steps.push(await seq.append([id]));
    seq.dispose();
    const full = tidy(() => noGrad(() => onGpu.forward([ids]).logits));
    const flat = (await full.data()) as Float32Array;
    full.dispose();
    steps.forEach((logits, k) => {
      const ref = flat.subarray((3 + k) * 256, (4 + k) * 256);
      let diff = 0;
      for (let i = 0; i < 256; i++)
        diff = Math.max(diff, Math.abs((logits[i] as number) - (ref[i] as number)));
      expect(diff, `step ${k}`).toBeLessThan(3e-2);
    });
    const onCpu = YoutuModel.init(config, {
      seed: 4,
      backend: await initBackend('cpu'),
      requiresGrad: false,
    });
    const greedy = { temperature: 0, maxNewTokens: 6, stopTokenIds: [] };
    const gpuIds = (await fromModel(onGpu, null).engine.generate(ids, greedy).complete()).ids;
    const cpuIds = (await fromModel(onCpu, null).engine.generate(ids, greedy).complete()).ids;
    expect(gpuIds).toEqual(cpuIds);
  });

  it('device-side greedy (argmax on the GPU, one id read back) equals the host argmax of the logits', async () => {
    const config = presetConfig('nano', {
      num_hidden_layers: 2,
      vocab_size: 512,
      max_position_embeddings: 64,
    });
    const onGpu = YoutuModel.init(config, { seed: 9, backend: gpu as Backend, requiresGrad: false });
    const { model, engine } = fromModel(onGpu, null);
    const prompt = [5, 81, 200, 7];
    const greedy = await engine
      .generate(prompt, { temperature: 0, maxNewTokens: 8, stopTokenIds: [] })
      .complete();
    const [device, host] = [model.newSequence(), model.newSequence()];
    const deviceIds = [await device.appendGreedy(prompt)];
    const hostIds = [argmax(await host.append(prompt))];
    for (let k = 0; k < 7; k++) {
      deviceIds.push(await device.appendGreedy([deviceIds[k] as number]));
      hostIds.push(argmax(await host.append([hostIds[k] as number])));
    }
    expect(deviceIds).toEqual(hostIds);
    expect(greedy.ids).toEqual(hostIds);
    for (const s of [device, host]) s.dispose();
    onGpu.dispose();
  });
});
