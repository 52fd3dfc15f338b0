import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStats, noGrad, tidy } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  loadModel,
  presetConfig,
  readConfig,
  saveModel,
  weightSpecs,
  YoutuModel,
} from '../src/index.js';
import { cpu, expectClose } from './helpers.js';
import { randomWeights } from './reference.js';
import { writeF32Weights } from './weights-io.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-model-'));
const golden = join(import.meta.dirname, 'fixtures', 'golden-tiny');

async function expectSameParams(a: YoutuModel, b: YoutuModel): Promise<void> {
  expect([...b.params.keys()]).toEqual([...a.params.keys()]);
  for (const [name, t] of a.params) {
    const [x, y] = [await t.data(), await b.weight(name).data()];
    // byte comparison (bit-exact, and fast: deep equality of large arrays is slow)
    expect(
      Buffer.compare(
        Buffer.from(x.buffer, x.byteOffset, x.byteLength),
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      ),
      name,
    ).toBe(0);
  }
}

/** Writes a checkpoint of the golden config whose tensors are `specs` (edited by the test). */
async function writeWith(
  dir: string,
  edit: (specs: { name: string; shape: number[] }[]) => { name: string; shape: number[] }[],
) {
  copyFileSync(join(golden, 'config.json'), join(dir, 'config.json'));
  const specs = edit(
    weightSpecs(await readConfig(golden)).map((s) => ({ name: s.name, shape: [...s.shape] })),
  );
  await writeF32Weights(join(dir, 'model.safetensors'), specs);
}

describe('loadModel / saveModel', () => {
  it('golden-tiny: loaded weights reproduce the committed reference logits', async () => {
    const model = await loadModel(golden, { backend: cpu });
    const { ids, logits } = JSON.parse(readFileSync(join(golden, 'golden.json'), 'utf8')) as {
      ids: number[];
      logits: number[][];
    };
    const out = tidy(() => noGrad(() => model.forward([ids]).logits));
    const data = (await out.data()) as Float32Array;
    for (const [t, row] of logits.entries()) {
      expectClose(data.slice(t * row.length, (t + 1) * row.length), row, 1e-4, `golden position ${t}`);
    }
    out.dispose();
    model.dispose();
  });

  it('save → load is bit-exact in f32, single file and sharded, with tokenizer files and an HF config', async () => {
    const config = presetConfig('nano', { num_hidden_layers: 2 });
    const model = YoutuModel.init(config, { seed: 5, backend: cpu });
    const tokenizerDir = tmp();
    writeFileSync(join(tokenizerDir, 'tokenizer.json'), '{"model":{"vocab":{}}}');
    const dir = tmp();
    const files = await saveModel(model, dir, { tokenizerDir });
    expect(files).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    const hf = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(hf).toMatchObject({
      architectures: ['YoutuForCausalLM'],
      model_type: 'youtu',
      torch_dtype: 'float32',
      kv_lora_rank: 64,
    });
    await expectSameParams(model, await loadModel(dir, { backend: cpu }));
    const sharded = tmp();
    const shardFiles = await saveModel(model, sharded, { maxShardBytes: 400_000 });
    expect(shardFiles.at(-1)).toBe('model.safetensors.index.json');
    await expectSameParams(model, await loadModel(sharded, { backend: cpu }));
    // re-saving into the sharded directory as one file removes the old shards and index
    await saveModel(model, sharded);
    expect(readdirSync(sharded).sort()).toEqual(['config.json', 'model.safetensors']);
    model.dispose();
  });

  it('bf16 save → bf16 load keeps the bf16 bits', async () => {
    const config = presetConfig('nano', { num_hidden_layers: 1 });
    const model = YoutuModel.init(config, { seed: 9, backend: cpu, dtype: 'bf16' });
    const dir = tmp();
    await saveModel(model, dir, { dtype: 'bfloat16' });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).torch_dtype).toBe('bfloat16');
    const loaded = await loadModel(dir, { backend: cpu, dtype: 'bf16' });
    expect(loaded.weight('model.layers.0.self_attn.o_proj.weight').dtype).toBe('bf16');
    expect(loaded.weight('model.norm.weight').dtype).toBe('f32'); // norms stay f32 so the forward runs
    await expectSameParams(model, loaded);
    model.dispose();
    loaded.dispose();
  });

  it('ignores a stored lm_head.weight duplicate when the head is tied, and reports progress', async () => {
    const dir = tmp();
    await writeWith(dir, (specs) => [...specs, { name: 'lm_head.weight', shape: [64, 32] }]);
    const seen: number[] = [];
    const model = await loadModel(dir, { backend: cpu, onProgress: (p) => seen.push(p.loaded) });
    expect(model.params.has('lm_head.weight')).toBe(false);
    expect(seen.at(-1)).toBe(26);
    model.dispose();
  });

  it.each([
    [
      'a missing tensor',
      (s: { name: string; shape: number[] }[]) =>
        s.filter((x) => x.name !== 'model.layers.1.mlp.up_proj.weight'),
      'MISSING_TENSOR',
      /missing tensors: model\.layers\.1\.mlp\.up_proj\.weight/,
    ],
    [
      'an extra tensor',
      (s: { name: string; shape: number[] }[]) => [...s, { name: 'model.layers.9.foo.weight', shape: [2] }],
      'EXTRA_TENSOR',
      /unexpected tensors: model\.layers\.9\.foo\.weight/,
    ],
    [
      'a wrong shape',
      (s: { name: string; shape: number[] }[]) =>
        s.map((x) =>
          x.name === 'model.layers.0.self_attn.kv_b_proj.weight' ? { ...x, shape: [32, 15] } : x,
        ),
      'SHAPE',
      /\[model\.layers\.0\.self_attn\.kv_b_proj\.weight\]: wrong shape: expected \[32,16\], found \[32,15\]/,
    ],
  ])(
    'rejects %s with a named CheckpointError and leaves nothing on the device',
    async (_what, edit, code, message) => {
      const dir = tmp();
      await writeWith(dir, edit);
      const before = memoryStats().liveTensors;
      const err = await loadModel(dir, { backend: cpu }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).code).toBe(code);
      expect((err as Error).message).toMatch(message);
      expect(memoryStats().liveTensors).toBe(before);
    },
  );

  it('refuses, before uploading anything, a tensor whose row is larger than the device can bind', async () => {
    const small = Object.create(cpu, {
      device: { value: { limits: { maxStorageBufferBindingSize: 32, maxBufferSize: 1 << 30 } } },
    });
    const before = memoryStats().liveTensors;
    const err = await loadModel(golden, { backend: small }).catch((e: unknown) => e);
    expect((err as CheckpointError).code).toBe('DEVICE_LIMIT');
    expect((err as Error).message).toMatch(
      /\[model\.embed_tokens\.weight\]: one row of \[\d+,\d+\] needs \d+ bytes, over the device's binding limit of 32 bytes/,
    );
    expect(memoryStats().liveTensors).toBe(before);
  });

  it('frees already-uploaded tensors when a later tensor fails to read', async () => {
    const dir = tmp();
    copyFileSync(join(golden, 'config.json'), join(dir, 'config.json'));
    const specs = weightSpecs(await readConfig(golden));
    const weights = randomWeights(specs, 1, 0.1);
    await writeF32Weights(join(dir, 'model.safetensors'), specs, weights);

    const before = memoryStats().liveTensors;
    let calls = 0;
    const err = await loadModel(dir, {
      backend: cpu,
      onProgress: () => {
        if (++calls === 10) throw new CheckpointError('simulated device failure', dir, null, 'TEST');
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('simulated device failure');
    expect(memoryStats().liveTensors).toBe(before);
  });
});
