import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { configToJSON, type TorchDType } from './config.js';
import type { YoutuModel } from './model.js';
import { encodeTensor, writeCheckpoint, writeFileAtomic } from './safetensors.js';
import { copyTokenizerFiles } from './tokenizer-files.js';

export interface SaveOptions {
  /** Storage dtype of the weights (default float32; bfloat16 halves the files). */
  dtype?: TorchDType;
  /** Copy tokenizer.json, tokenizer_config.json, ... from this directory. */
  tokenizerDir?: string;
  /** Shard when the weights exceed this (default 4 GiB, as HF does for large models). */
  maxShardBytes?: number;
}

const SAFETENSORS_DTYPE = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' } as const;

/**
 * Writes an HF checkpoint loadable by `transformers` as YoutuForCausalLM: weights (read back from the device
 * one tensor at a time), tokenizer files, and config.json last, every file atomically (temp file, fsync, rename),
 * so an interrupted save never leaves a config.json pointing at half-written weights.
 */
export async function saveModel(model: YoutuModel, dir: string, opts: SaveOptions = {}): Promise<string[]> {
  const torchDtype = opts.dtype ?? 'float32';
  const dtype = SAFETENSORS_DTYPE[torchDtype];
  await mkdir(dir, { recursive: true });
  const files = await writeCheckpoint(
    dir,
    [...model.params].map(([name, t]) => ({
      name,
      dtype,
      shape: t.shape,
      bytes: async () => encodeTensor(await t.data(), dtype),
    })),
    { maxShardBytes: opts.maxShardBytes },
  );
  if (opts.tokenizerDir !== undefined) files.push(...(await copyTokenizerFiles(opts.tokenizerDir, dir)));
  const config = `${JSON.stringify({ ...configToJSON(model.config), torch_dtype: torchDtype }, null, 2)}\n`;
  await writeFileAtomic(join(dir, 'config.json'), async (h) => {
    await h.write(config);
  });
  return ['config.json', ...files];
}
