import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { QUANT_BLOCK, type QuantizedDType, quantLayout } from '@agentlm/tensor';
import { configToJSON, readConfig } from './config.js';
import { CheckpointError } from './errors.js';
import { checkCheckpoint } from './load.js';
import { planeEntries, quantFormatFor, quantizeRows, storedFormat } from './quantized.js';
import {
  Checkpoint,
  decodeTensor,
  type TensorEntry,
  type TensorToWrite,
  writeCheckpoint,
  writeFileAtomic,
} from './safetensors.js';
import { copyTokenizerFiles } from './tokenizer-files.js';
import { BandScratch, decodeBand, rowBands } from './weight-stream.js';
import { numel, type WeightSpec } from './weights.js';

export interface QuantizeOptions {
  /** Shard when the weights exceed this (default 4 GiB, as HF does). */
  maxShardBytes?: number;
  /** Called after each weight is written. */
  onProgress?: (p: { done: number; total: number; name: string }) => void;
}

/**
 * Writes `outDir`: the float checkpoint in `dir` quantized to `format` (linear layers in `format`, the embedding and
 * any untied head in q8, norms and weights whose rows are not whole blocks as stored; see quantFormatFor), in the
 * stored layout of quantized.ts, with `quantization_config` in its config.json and the tokenizer files copied.
 * Streams: one weight's planes and one band of its source are in memory at a time. Every file is written
 * atomically, config.json last. Returns the files written.
 */
export async function quantizeCheckpoint(
  dir: string,
  outDir: string,
  format: QuantizedDType,
  opts: QuantizeOptions = {},
): Promise<string[]> {
  const config = await readConfig(dir);
  const ckpt = await Checkpoint.open(dir);
  try {
    const specs = checkCheckpoint(config, ckpt);
    const tensors: TensorToWrite[] = [];
    const scratch = new BandScratch();
    let done = 0;
    const progress = (name: string) => opts.onProgress?.({ done: ++done, total: specs.length, name });
    for (const spec of specs) {
      const entry = ckpt.entries.get(spec.name) as TensorEntry;
      if (storedFormat(entry) !== null) {
        throw new CheckpointError(
          `is already quantized (${storedFormat(entry)}): quantize the float checkpoint instead`,
          entry.file,
          spec.name,
          'DTYPE',
        );
      }
      const target = quantFormatFor(spec, format);
      if (target === null) {
        tensors.push(storedAsIs(ckpt, entry, () => progress(spec.name)));
      } else {
        tensors.push(...quantizedTensors(ckpt, spec, entry, target, scratch, () => progress(spec.name)));
      }
    }
    await mkdir(outDir, { recursive: true });
    const files = await writeCheckpoint(outDir, tensors, { maxShardBytes: opts.maxShardBytes });
    files.push(...(await copyTokenizerFiles(dir, outDir)));
    const json = { ...configToJSON({ ...config, quantization: { format, groupSize: QUANT_BLOCK } }) };
    await writeFileAtomic(join(outDir, 'config.json'), async (h) => {
      await h.write(`${JSON.stringify(json, null, 2)}\n`);
    });
    return ['config.json', ...files];
  } finally {
    await ckpt.close();
  }
}

/** A tensor copied as stored (norms, blocks that do not fit), F64 narrowed to F32. */
function storedAsIs(ckpt: Checkpoint, entry: TensorEntry, done: () => void): TensorToWrite {
  const f64 = entry.dtype === 'F64';
  return {
    name: entry.name,
    dtype: f64 ? 'F32' : (entry.dtype as 'F32' | 'F16' | 'BF16'),
    shape: entry.shape,
    bytes: async () => {
      const bytes = await ckpt.readRange(entry.name, 0);
      done();
      if (!f64) return bytes;
      const values = decodeTensor(bytes, entry.dtype, { file: entry.file, tensor: entry.name });
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    },
  };
}

/**
 * The stored planes of one weight. The writer asks for them in order, so the values plane's request quantizes the
 * whole weight band by band into its in-memory layout, and the scale (and minimum) planes are cut from it.
 */
function quantizedTensors(
  ckpt: Checkpoint,
  spec: WeightSpec,
  entry: TensorEntry,
  format: QuantizedDType,
  scratch: BandScratch,
  done: () => void,
): TensorToWrite[] {
  let packed: Promise<Uint8Array> | null = null;
  const quantized = () => {
    packed ??= (async () => {
      const out = new Uint8Array(quantLayout(numel(spec.shape), format).bytes);
      for await (const band of rowBands(ckpt, entry, scratch, { checkFinite: true })) {
        const values = decodeBand(band, entry, scratch);
        for (const plane of quantizeRows(values, band.row0, spec, format, scratch))
          out.set(plane.bytes, plane.offset);
      }
      return out;
    })();
    return packed;
  };
  const planes = planeEntries(spec, format);
  return planes.map((plane, i) => ({
    name: plane.name,
    dtype: plane.dtype,
    shape: plane.shape,
    bytes: async () => {
      const all = await quantized();
      const length = numel(plane.shape) * (plane.dtype === 'F16' ? 2 : 1);
      if (i === planes.length - 1) {
        packed = null; // the last plane written: let the weight go
        done();
      }
      return all.subarray(plane.offset, plane.offset + length);
    },
  }));
}
