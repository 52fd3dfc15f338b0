import type { View } from '../../../backend.js';
import { raw } from '../storage.js';
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
  const dense = ss === 1 && sd === 1 && inner >= SET_MIN;
  walkRows(flat.shape, flat.views, (_row, offsets) => {
    let os = offsets[0];
    let od = offsets[1];
    if (dense) {
      to.set(from.subarray(os, os + inner), od);
      return;
    }
    for (let j = 0; j < inner; j++, os += ss, od += sd) to[od] = from[os];
  });
}
