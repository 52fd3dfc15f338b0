import type { View } from '../../../backend.js';
import { raw } from '../storage.js';
import { lastStride, walkRows } from './strided.js';

export function copy(src: View, dst: View, shape: readonly number[]): void {
  const from = raw(src.storage);
  const to = raw(dst.storage);
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1];
  const ss = lastStride(src.strides);
  const sd = lastStride(dst.strides);
  walkRows(shape, [src, dst], (_row, offsets) => {
    let os = offsets[0];
    let od = offsets[1];
    if (ss === 1 && sd === 1) {
      to.set(from.subarray(os, os + inner), od);
      return;
    }
    for (let j = 0; j < inner; j++, os += ss, od += sd) to[od] = from[os];
  });
}
