import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCpuBackend, tensor } from '@agentlm/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Checkpoint,
  CheckpointError,
  loadModel,
  presetConfig,
  quantizeCheckpoint,
  saveModel,
  YoutuModel,
} from '../src/index.js';

const backend = createCpuBackend();
const config = presetConfig('nano', { vocab_size: 256, num_hidden_layers: 2 });
const ids = [[1, 5, 9, 17, 33, 200]];
const tmp = () => mkdtempSync(join(tmpdir(), 'quantized-'));
let bf16Dir = '';

/** Cosine similarity of two logit vectors. */
function cosine(a: Float32Array, b: Float32Array): number {
  let [ab, aa, bb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** Largest |a - b| over the logits, relative to the largest |a|. */
function relativeGap(a: Float32Array, b: Float32Array): number {
  let gap = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    gap = Math.max(gap, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return gap / scale;
}

async function logits(model: YoutuModel): Promise<Float32Array> {
  const out = model.forward(ids).logits;
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

beforeAll(async () => {
  bf16Dir = tmp();
  await saveModel(YoutuModel.init(config, { seed: 11, backend }), bf16Dir, { dtype: 'bfloat16' });
});

describe('loading keeps the checkpoint dtype', () => {
  it('loads a bf16 checkpoint as bf16 unless told otherwise (norms f32)', async () => {
    const model = await loadModel(bf16Dir, { backend });
    expect(model.weight('model.layers.0.mlp.up_proj.weight').dtype).toBe('bf16');
    expect(model.weight('model.embed_tokens.weight').dtype).toBe('bf16');
    expect(model.weight('model.norm.weight').dtype).toBe('f32');
    expect(model.weight('model.layers.0.mlp.up_proj.weight').requiresGrad).toBe(false);
    const f32 = await loadModel(bf16Dir, { backend, dtype: 'f32' });
    expect(f32.weight('model.layers.0.mlp.up_proj.weight').dtype).toBe('f32');
    expect(f32.weight('model.layers.0.mlp.up_proj.weight').requiresGrad).toBe(true);
    // bf16 → f32 is exact, so both compute the same logits
    expect(relativeGap(await logits(model), await logits(f32))).toBeLessThan(1e-5);
  });
});

describe.each(['q8', 'q4'] as const)('%s', (format) => {
  let outDir = '';
  beforeAll(async () => {
    outDir = tmp();
    await quantizeCheckpoint(bf16Dir, outDir, format);
  });

  it('writes packed planes, their scales and a quantization_config', async () => {
    const json = JSON.parse(readFileSync(join(outDir, 'config.json'), 'utf8'));
    expect(json.quantization_config).toEqual({ quant_method: 'agentlm', format, group_size: 32 });
    const ckpt = await Checkpoint.open(outDir);
    const up = 'model.layers.0.mlp.up_proj.weight';
    const [rows, cols] = [config.intermediateSize, config.hiddenSize];
    expect(ckpt.entries.get(up)?.dtype).toBe(format === 'q8' ? 'I8' : 'U8');
    expect(ckpt.entries.get(up)?.shape).toEqual(format === 'q8' ? [rows, cols] : [rows, cols / 2]);
    expect(ckpt.entries.get(`${up}_scale`)?.shape).toEqual([rows, cols / 32]);
    expect(ckpt.entries.has(`${up}_min`)).toBe(format === 'q4');
    // the embedding, which is also the tied head, stays at 8 bits; norms stay as stored
    expect(ckpt.entries.get('model.embed_tokens.weight')?.dtype).toBe('I8');
    expect(ckpt.entries.get('model.norm.weight')?.dtype).toBe('BF16');
    await ckpt.close();
  });

  it('loads quantized, as quantizing on load does, and tracks the bf16 model', async () => {
    const stored = await loadModel(outDir, { backend });
    expect(stored.weight('model.layers.1.self_attn.kv_b_proj.weight').dtype).toBe(format);
    expect(stored.weight('model.embed_tokens.weight').dtype).toBe('q8');
    const onLoad = await loadModel(bf16Dir, { backend, dtype: format });
    const [a, b] = [await logits(stored), await logits(onLoad)];
    expect([...a]).toEqual([...b]);
    const reference = await logits(await loadModel(bf16Dir, { backend }));
    // random weights are quantization's worst case (no structure); the accuracy on a trained model is measured
    // by `pnpm bench quantize`
    expect(cosine(a, reference)).toBeGreaterThan(format === 'q8' ? 0.999 : 0.9);
  });

  it('saves and reloads to identical logits', async () => {
    const again = tmp();
    await quantizeCheckpoint(bf16Dir, again, format, { maxShardBytes: 64 * 1024 });
    const [a, b] = [await loadModel(outDir, { backend }), await loadModel(again, { backend })];
    expect([...(await logits(a))]).toEqual([...(await logits(b))]);
  });

  it('loads as floats on request, and refuses to re-quantize', async () => {
    const floats = await loadModel(outDir, { backend, dtype: 'f32' });
    expect(floats.weight('model.layers.0.mlp.up_proj.weight').dtype).toBe('f32');
    // the same products in f32: the decode GEMV's int8 activations (the default) are switched off to compare
    const exact = createCpuBackend({ quantizedActivations: 'f32' });
    const quantized = await loadModel(outDir, { backend: exact });
    const floatsExact = await loadModel(outDir, { backend: exact, dtype: 'f32' });
    expect(relativeGap(await logits(floatsExact), await logits(quantized))).toBeLessThan(1e-5);
    const other = format === 'q8' ? 'q4' : 'q8';
    const refused = loadModel(outDir, { backend, dtype: other });
    await expect(refused).rejects.toThrow(/re-quantizing it to/);
    await expect(quantizeCheckpoint(outDir, tmp(), format)).rejects.toThrow(/already quantized/);
  });
});

describe('finite values', () => {
  it('refuses a checkpoint holding NaN, naming the tensor and element, unless told not to check', async () => {
    const dir = tmp();
    const model = YoutuModel.init(config, { seed: 2, backend });
    const values = (await model.weight('model.layers.1.mlp.down_proj.weight').data()) as Float32Array;
    values[5 * config.intermediateSize + 7] = Number.NaN;
    const params = new Map(model.params);
    params.set(
      'model.layers.1.mlp.down_proj.weight',
      tensor(values, [config.hiddenSize, config.intermediateSize], { backend }),
    );
    await saveModel(YoutuModel.fromParams(config, params), dir);
    const err = await loadModel(dir, { backend }).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.code).toBe('NON_FINITE');
    expect(err.message).toContain('model.layers.1.mlp.down_proj.weight');
    expect(err.message).toContain('[5, 7]');
    const inspected = await loadModel(dir, { backend, checkFinite: false });
    expect(
      Number.isNaN(
        (await inspected.weight('model.layers.1.mlp.down_proj.weight').data())[
          5 * config.intermediateSize + 7
        ],
      ),
    ).toBe(true);
    await expect(quantizeCheckpoint(dir, tmp(), 'q8')).rejects.toThrow(/non-finite/);
  });
});
