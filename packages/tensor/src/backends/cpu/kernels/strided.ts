/** A view's position in its storage, as the strided kernels read it. */
export interface Strided {
  offset: number;
  strides: readonly number[];
}

/**
 * The same element order with fewer dims: size-1 dims are dropped and a dim is merged into the next
 * when every view steps over it as over one longer dim (outer stride = inner stride × inner size). A
 * dense same-shape op becomes one row, a broadcast scalar stays stride 0, a row broadcast stays two dims.
 */
export function coalesce(
  shape: readonly number[],
  views: readonly Strided[],
): { shape: number[]; views: Strided[] } {
  const dims: number[] = [];
  const strides = views.map(() => [] as number[]);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d];
    if (size === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && views.every((v, i) => strides[i][last] === v.strides[d] * size)) {
      dims[last] *= size;
      for (let i = 0; i < views.length; i++) strides[i][last] = views[i].strides[d];
    } else {
      dims.push(size);
      for (let i = 0; i < views.length; i++) strides[i].push(views[i].strides[d]);
    }
  }
  return { shape: dims, views: views.map((v, i) => ({ offset: v.offset, strides: strides[i] })) };
}

/**
 * Walk the rows (all dims but the last) of a shape, keeping each view's element offset of the row start.
 * `visit(row, offsets)` runs once per row; kernels then loop over the last dim with the views' last strides.
 * Callers coalesce first, so that dense data is one long row.
 */
export function walkRows(
  shape: readonly number[],
  views: readonly Strided[],
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

/** Stride of the last dim of a view (0 for a scalar). */
export function lastStride(strides: readonly number[]): number {
  return strides.length === 0 ? 0 : strides[strides.length - 1];
}
