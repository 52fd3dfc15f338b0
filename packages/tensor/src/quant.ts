import { f16BitsToF32, f32ToF16Bits } from './dtype.js';

/**
 * Block-quantized weight storage: `q8` and `q4`, the semantics of llama.cpp's Q8_0 and Q4_1 (whose perplexity
 * costs llama.cpp publishes for every model family it supports) in a planar byte layout that WebAssembly SIMD
 * and WGSL read with aligned loads.
 *
 * A quantized storage of `size` elements (a multiple of 32) is `size / 32` blocks of 32 consecutive elements
 * (for a weight [rows, cols], blocks run along cols, the contiguous dimension: the input dimension of a Linear
 * weight [out, in]). Each block has an f16 scale `d` (q4 also an f16 minimum `m`):
 *   q8: x ≈ d · q,      q int8 in [-127, 127], d = max|x| / 127            (Q8_0)
 *   q4: x ≈ d · q + m,  q uint4 in [0, 15],    m = min x, d = (max x - m) / 15   (Q4_1)
 * q is rounded to nearest against the f16-rounded d and m, so dequantization is exact to what was stored.
 *
 * Byte layout of the storage, planes one after the other (every plane starts on a 4-byte boundary):
 *   q8: qs      int8 [size]                 element i at byte i
 *       scales  f16  [size / 32]            block b at bytes size + 2b
 *   q4: qs      u8   [size / 2]             block b is bytes 16b .. 16b+15; byte 16b+j holds element 32b+j in its
 *                                          low nibble and element 32b+16+j in its high nibble (llama.cpp's order)
 *       scales  f16  [size / 32]            at byte size/2 + 2b
 *       mins    f16  [size / 32]            at byte size/2 + align4(size/16) + 2b
 * (bytes per element: q8 1.0625, q4 0.625, plus at most 2 bytes of plane padding.)
 */
export type QuantizedDType = 'q8' | 'q4';

/** Elements per quantization block. */
export const QUANT_BLOCK = 32;

const align4 = (bytes: number) => Math.ceil(bytes / 4) * 4;

export interface QuantLayout {
  /** Byte offset of each plane in the storage; `mins` is -1 for q8. */
  scales: number;
  mins: number;
  /** Total bytes of the storage. */
  bytes: number;
}

/** The plane offsets of a quantized storage of `size` elements (size a multiple of QUANT_BLOCK). */
export function quantLayout(size: number, dtype: QuantizedDType): QuantLayout {
  const blocks = size / QUANT_BLOCK;
  const scales = dtype === 'q8' ? size : size / 2;
  const scaleBytes = align4(blocks * 2);
  if (dtype === 'q8') return { scales, mins: -1, bytes: scales + scaleBytes };
  return { scales, mins: scales + scaleBytes, bytes: scales + 2 * scaleBytes };
}

export function isQuantized(dtype: string): dtype is QuantizedDType {
  return dtype === 'q8' || dtype === 'q4';
}

/**
 * The packed bytes of `values` (length a multiple of QUANT_BLOCK) in `dtype`'s layout, written into `out` when
 * given (at least the layout's bytes; a streaming caller reuses one buffer band after band) else a new array.
 */
export function quantize(
  values: ArrayLike<number>,
  dtype: QuantizedDType,
  out: Uint8Array<ArrayBufferLike> = new Uint8Array(quantLayout(values.length, dtype).bytes),
): Uint8Array {
  const size = values.length;
  const layout = quantLayout(size, dtype);
  const halves = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let b = 0; b < size / QUANT_BLOCK; b++) {
    const start = b * QUANT_BLOCK;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = start; i < start + QUANT_BLOCK; i++) {
      lo = Math.min(lo, values[i]);
      hi = Math.max(hi, values[i]);
    }
    if (dtype === 'q8') {
      const dBits = f32ToF16Bits(Math.max(Math.abs(lo), Math.abs(hi)) / 127);
      const d = f16BitsToF32(dBits);
      const inv = d === 0 ? 0 : 1 / d;
      for (let i = start; i < start + QUANT_BLOCK; i++) {
        out[i] = Math.max(-127, Math.min(127, Math.round(values[i] * inv))) & 0xff;
      }
      halves.setUint16(layout.scales + 2 * b, dBits, true);
    } else {
      const mBits = f32ToF16Bits(lo);
      const m = f16BitsToF32(mBits);
      const dBits = f32ToF16Bits((hi - m) / 15);
      const d = f16BitsToF32(dBits);
      const inv = d === 0 ? 0 : 1 / d;
      const nibble = (i: number) => Math.max(0, Math.min(15, Math.round((values[i] - m) * inv)));
      for (let j = 0; j < QUANT_BLOCK / 2; j++) {
        out[b * 16 + j] = nibble(start + j) | (nibble(start + 16 + j) << 4);
      }
      halves.setUint16(layout.scales + 2 * b, dBits, true);
      halves.setUint16(layout.mins + 2 * b, mBits, true);
    }
  }
  return out;
}

/**
 * Elements [start, end) (block-aligned) of a quantized storage of `size` elements, dequantized into `out` from
 * index `at` (f32, or f64 in the reference mode, where d·q + m is exact).
 */
export function dequantize<T extends Float32Array | Float64Array>(
  bytes: Uint8Array,
  dtype: QuantizedDType,
  size: number,
  start: number,
  end: number,
  out: T,
  at = 0,
): T {
  const layout = quantLayout(size, dtype);
  const halves = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = start / QUANT_BLOCK; b < end / QUANT_BLOCK; b++) {
    const d = f16BitsToF32(halves.getUint16(layout.scales + 2 * b, true));
    const to = at + b * QUANT_BLOCK - start;
    if (dtype === 'q8') {
      for (let j = 0; j < QUANT_BLOCK; j++) out[to + j] = d * signed[b * QUANT_BLOCK + j];
    } else {
      const m = f16BitsToF32(halves.getUint16(layout.mins + 2 * b, true));
      for (let j = 0; j < QUANT_BLOCK / 2; j++) {
        const byte = bytes[b * 16 + j];
        out[to + j] = d * (byte & 15) + m;
        out[to + 16 + j] = d * (byte >> 4) + m;
      }
    }
  }
  return out;
}
