import type { View } from '../../../backend.js';
import { type CpuArray, raw } from '../storage.js';
import { coalesce, lastStride, walkRows } from './strided.js';

/** Rows at least this long are copied with TypedArray.set; shorter ones by a loop (no subarray object). */
const SET_MIN = 64;

export function copy(src: View, dst: View, shape: readonly number[]): void {
  const from = raw(src.storage);
  const to = raw(dst.storage);
  const flat = coalesce(shape, [src, dst]);
  const inner = flat.shape.length === 0 ? 1 : flat.shape[flat.shape.length - 1];
  const ss = lastStride(flat.views[0].strides);
  const sd = lastStride(flat.views[1].strides);
  if (ss === 1 && sd === 1 && inner >= SET_MIN) {
    walkRows(flat.shape, flat.views, (_row, o) => to.set(from.subarray(o[0], o[0] + inner), o[1]));
  } else if (from instanceof Float32Array && to instanceof Float32Array) {
    walkRows(flat.shape, flat.views, (_row, o) => copyRowF32(from, o[0], ss, to, o[1], sd, inner));
  } else {
    walkRows(flat.shape, flat.views, (_row, o) => copyRow(from, o[0], ss, to, o[1], sd, inner));
  }
}

/** The f32 row loop on its own, so that it stays monomorphic (f32 views are most of the copies). */
function copyRowF32(
  from: Float32Array,
  os: number,
  ss: number,
  to: Float32Array,
  od: number,
  sd: number,
  n: number,
) {
  for (let j = 0; j < n; j++, os += ss, od += sd) to[od] = from[os];
}

function copyRow(from: CpuArray, os: number, ss: number, to: CpuArray, od: number, sd: number, n: number) {
  for (let j = 0; j < n; j++, os += ss, od += sd) to[od] = from[os];
}
