import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import { loadModel, presetConfig, saveModel, YoutuModel } from '../src/index.js';

/** Models stored in bf16/f16 run their forward (norm weights stay f32) and track the f32 model closely. */
describe('16-bit weights', () => {
  const backend = createCpuBackend();
  const config = presetConfig('nano', { vocab_size: 128, num_hidden_layers: 1 });
  const ids = [[1, 5, 9, 17, 33]];

  it.each(['bf16', 'f16'] as const)('%s model forward matches the f32 model', async (dtype) => {
    const full = YoutuModel.init(config, { seed: 3, backend });
    const dir = mkdtempSync(join(tmpdir(), 'half-'));
    await saveModel(full, dir, { dtype: dtype === 'bf16' ? 'bfloat16' : 'float16' });
    const half = await loadModel(dir, { backend, dtype });
    expect(half.weight('model.norm.weight').dtype).toBe('f32');
    expect(half.weight('model.layers.0.mlp.up_proj.weight').dtype).toBe(dtype);
    const a = await full.forward(ids).logits.data();
    const b = await half.forward(ids).logits.data();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(dtype === 'bf16' ? 5e-2 : 5e-3);
    expect(YoutuModel.init(config, { seed: 3, backend, dtype }).forward(ids).logits.shape).toEqual([
      1, 5, 128,
    ]);
  });
});
