import type { Storage } from '../../../backend.js';
import { f16BitsToF32 } from '../../../dtype.js';
import { isQuantized, QUANT_BLOCK, type QuantizedDType, quantLayout } from '../../../quant.js';
import { type FloatArray, floats, ints, raw } from '../storage.js';
import { toFloatArray } from './cast.js';

export function gather(table: Storage, ids: Storage, out: Storage, n: number, dim: number): void {
  const index = ints(ids);
  const dst = floats(out);
  if (isQuantized(table.dtype)) {
    gatherQuantized(raw(table) as Uint8Array, table.dtype, table.size, index, dst, n, dim);
    return;
  }
  const src = table.dtype === 'f32' ? floats(table) : null;
  for (let i = 0; i < n; i++) {
    const row = index[i] * dim;
    if (src) {
      for (let c = 0; c < dim; c++) dst[i * dim + c] = src[row + c];
    } else {
      dst.set(toFloatArray(table, row, row + dim), i * dim);
    }
  }
}

/**
 * Rows of a q8/q4 table (dim a multiple of 32), dequantized straight into `dst` (src/quant.ts: d·q, d·q + m):
 * only the requested rows are read, and nothing is allocated per row.
 */
function gatherQuantized(
  bytes: Uint8Array,
  dtype: QuantizedDType,
  size: number,
  index: Int32Array,
  dst: FloatArray,
  n: number,
  dim: number,
): void {
  const layout = quantLayout(size, dtype);
  const halves = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signed = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = (at: number) => f16BitsToF32(halves.getUint16(at, true));
  for (let i = 0; i < n; i++) {
    const first = (index[i] * dim) / QUANT_BLOCK;
    for (let b = first; b < first + dim / QUANT_BLOCK; b++) {
      const d = half(layout.scales + 2 * b);
      const at = i * dim + (b - first) * QUANT_BLOCK;
      if (dtype === 'q8') {
        for (let j = 0; j < QUANT_BLOCK; j++) dst[at + j] = d * signed[b * QUANT_BLOCK + j];
        continue;
      }
      const m = half(layout.mins + 2 * b);
      for (let j = 0; j < QUANT_BLOCK / 2; j++) {
        const byte = bytes[b * 16 + j];
        dst[at + j] = d * (byte & 15) + m;
        dst[at + 16 + j] = d * (byte >> 4) + m;
      }
    }
  }
}

export function scatterAdd(dOut: Storage, ids: Storage, dTable: Storage, n: number, dim: number): void {
  const index = ints(ids);
  const src = floats(dOut);
  const dst = floats(dTable);
  for (let i = 0; i < n; i++) {
    const row = index[i] * dim;
    for (let c = 0; c < dim; c++) dst[row + c] += src[i * dim + c];
  }
}
