/**
 * Walk the rows (all dims but the last) of a shape, keeping each view's element offset of the row start.
 * `visit(row, offsets)` runs once per row; kernels then loop over the last dim with the views' last strides.
 */
export function walkRows(
  shape: readonly number[],
  views: readonly { offset: number; strides: readonly number[] }[],
  visit: (row: number, offsets: Float64Array) => void,
): void {
  const rank = shape.length;
  const inner = rank === 0 ? 1 : shape[rank - 1];
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  const rows = total / inner;
  const offsets = new Float64Array(views.length);
  for (let v = 0; v < views.length; v++) offsets[v] = views[v].offset;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  for (let row = 0; row < rows; row++) {
    visit(row, offsets);
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      for (let v = 0; v < views.length; v++) offsets[v] += views[v].strides[d];
      if (index[d] < shape[d]) break;
      for (let v = 0; v < views.length; v++) offsets[v] -= views[v].strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** Stride of the last dim of a view (1 for a scalar). */
export function lastStride(strides: readonly number[]): number {
  return strides.length === 0 ? 0 : strides[strides.length - 1];
}
