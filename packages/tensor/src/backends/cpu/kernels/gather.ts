import type { Storage } from '../../../backend.js';
import { dequantize, isQuantized } from '../../../quant.js';
import { floats, ints, raw } from '../storage.js';
import { toFloatArray } from './cast.js';

export function gather(table: Storage, ids: Storage, out: Storage, n: number, dim: number): void {
  const index = ints(ids);
  const dst = floats(out);
  if (isQuantized(table.dtype)) {
    // only the requested rows, dequantized straight into the output
    const bytes = raw(table) as Uint8Array;
    for (let i = 0; i < n; i++) {
      dequantize(bytes, table.dtype, table.size, index[i] * dim, (index[i] + 1) * dim, dst, i * dim);
    }
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

export function scatterAdd(dOut: Storage, ids: Storage, dTable: Storage, n: number, dim: number): void {
  const index = ints(ids);
  const src = floats(dOut);
  const dst = floats(dTable);
  for (let i = 0; i < n; i++) {
    const row = index[i] * dim;
    for (let c = 0; c < dim; c++) dst[row + c] += src[i * dim + c];
  }
}
