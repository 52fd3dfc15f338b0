import { CheckpointError } from './errors.js';
import { type Checkpoint, decodeTensor, SAFETENSORS_DTYPES, type TensorEntry } from './safetensors.js';
import { numel } from './weights.js';

/**
 * Bytes of a stored tensor read at a time. Loads and conversions stream every tensor in bands of this size, so
 * beyond the model's own storage a load holds one band, whatever the size of the tensor (the 2B's embedding is
 * 525 MB in bf16).
 */
export const BAND_BYTES = 8 * 2 ** 20;

/**
 * Buffers reused band after band by a load or a conversion (bytes read, decoded floats, quantized bytes), so
 * that streaming a model frees no band-sized buffers: the collector frees them late, and the C heap they live
 * in keeps them resident after (measured: a bf16 → q4 load grew the process by 155 MB for 63 MB of weights).
 */
export class BandScratch {
  private reads = new Uint8Array(0);
  private values = new Float32Array(0);
  private bytes = new Uint8Array(0);

  /** Room to read `n` stored bytes into (8-byte aligned, so any float view of them is too). */
  read(n: number): Uint8Array {
    if (this.reads.length < n) this.reads = new Uint8Array(n);
    return this.reads.subarray(0, n);
  }

  floats(n: number): Float32Array {
    if (this.values.length < n) this.values = new Float32Array(n);
    return this.values.subarray(0, n);
  }

  packed(n: number): Uint8Array {
    if (this.bytes.length < n) this.bytes = new Uint8Array(n);
    return this.bytes.subarray(0, n);
  }
}

/** Rows [row0, row0 + rows) of a stored tensor, as stored. */
export interface RowBand {
  row0: number;
  rows: number;
  bytes: Uint8Array;
}

/**
 * A stored tensor read in bands of whole rows (a multiple of 4 rows, so that every band starts word-aligned in
 * 16-bit and quantized layouts; a 1-D tensor is one row), each band checked for NaN and ±Infinity unless told not.
 * Bands are read into `scratch`: each is valid until the next is asked for.
 */
export async function* rowBands(
  ckpt: Checkpoint,
  entry: TensorEntry,
  scratch: BandScratch,
  opts: { checkFinite: boolean },
): AsyncGenerator<RowBand> {
  const rows = entry.shape.length > 1 ? (entry.shape[0] as number) : 1;
  const rowBytes = entry.byteLength / Math.max(1, rows);
  const step = Math.max(4, Math.floor(BAND_BYTES / Math.max(1, rowBytes) / 4) * 4);
  for (let row0 = 0; row0 < rows; row0 += step) {
    const n = Math.min(step, rows - row0);
    const bytes = await ckpt.readRange(entry.name, row0 * rowBytes, n * rowBytes, scratch.read(n * rowBytes));
    if (opts.checkFinite) checkFinite(bytes, entry, (row0 * rowBytes) / SAFETENSORS_DTYPES[entry.dtype]);
    yield { row0, rows: n, bytes };
  }
}

/** A band of a stored float tensor as f32: decoded into `scratch` (an F32 band is read in place). */
export function decodeBand(band: RowBand, entry: TensorEntry, scratch: BandScratch): Float32Array {
  const n = band.bytes.byteLength / SAFETENSORS_DTYPES[entry.dtype];
  const where = { file: entry.file, tensor: entry.name };
  return decodeTensor(band.bytes, entry.dtype, where, scratch.floats(n)) as Float32Array;
}

/** Where the exponent bits of each float dtype are all ones: NaN or ±Infinity. */
const NON_FINITE: Partial<Record<TensorEntry['dtype'], { words: 16 | 32; mask: number }>> = {
  F32: { words: 32, mask: 0x7f800000 },
  F16: { words: 16, mask: 0x7c00 },
  BF16: { words: 16, mask: 0x7f80 },
};

/**
 * Throws a CheckpointError naming the tensor and the element when `bytes` (elements from `first` of `entry`)
 * hold a NaN or an infinity; integer dtypes always pass. A test of the exponent bits, word by word.
 */
export function checkFinite(bytes: Uint8Array, entry: TensorEntry, first: number): void {
  let bad = -1;
  if (entry.dtype === 'F64') {
    const values = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
    bad = values.findIndex((v) => !Number.isFinite(v));
  } else {
    const rule = NON_FINITE[entry.dtype];
    if (rule === undefined) return;
    const words =
      rule.words === 32
        ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
        : new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    for (let i = 0; i < words.length; i++) {
      if ((words[i] & rule.mask) === rule.mask) {
        bad = i;
        break;
      }
    }
  }
  if (bad < 0) return;
  const index = first + bad;
  const at = entry.shape.length > 1 ? unravel(index, entry.shape) : `${index}`;
  throw new CheckpointError(
    `holds a non-finite value (NaN or ±Infinity) at element [${at}] of ${numel(entry.shape)}; pass checkFinite: false (CLI: --no-check-finite) to load it anyway for inspection`,
    entry.file,
    entry.name,
    'NON_FINITE',
  );
}

function unravel(index: number, shape: readonly number[]): string {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return at.join(', ');
}
