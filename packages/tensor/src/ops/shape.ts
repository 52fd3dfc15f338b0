import { record } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { zeros } from './creation.js';
import { sumToShape } from './reduce.js';
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  newTensor,
  normalizeAxis,
  sameBackend,
  sameShape,
  shapeError,
} from './util.js';

/**
 * A view with a new shape (same element count; one dim may be -1). Free for a contiguous x; a strided
 * view is read through its dense copy (made once, see Tensor.storage).
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const holes = shape.filter((d) => d === -1).length;
  const resolved = shape.map((d) => (d === -1 ? x.size / known : d));
  const size = resolved.reduce((a, b) => a * b, 1);
  if (holes > 1 || size !== x.size || !resolved.every((d) => Number.isInteger(d) && d >= 0)) {
    throw shapeError('reshape', [x], `cannot view ${x.size} elements as [${shape}]`);
  }
  const y = x.isContiguous
    ? Tensor.share(x, x._liveRef, resolved, contiguousStrides(resolved), x.offset)
    : Tensor.share(x, x._denseRef(), resolved);
  record(y, [x], (dy) => [reshape(dy, x.shape)]);
  return y;
}

/** Reorder dims: out.shape[i] = x.shape[perm[i]]. A view (no copy). */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  sameBackend('permute', [x]);
  const axes = perm.map((p) => normalizeAxis('permute', [x], p, x.rank));
  if (axes.length !== x.rank || new Set(axes).size !== x.rank) {
    throw shapeError('permute', [x], `[${perm}] is not a permutation of ${x.rank} dims`);
  }
  const y = Tensor.share(
    x,
    x._liveRef,
    axes.map((a) => x.shape[a]),
    axes.map((a) => x.strides[a]),
    x.offset,
  );
  record(y, [x], (dy) => {
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => {
      inverse[a] = i;
    });
    return [permute(dy, inverse)];
  });
  return y;
}

/** Swap two dims (default: the last two). A view. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const ia = normalizeAxis('transpose', [x], a, x.rank);
  const ib = normalizeAxis('transpose', [x], b, x.rank);
  [perm[ia], perm[ib]] = [perm[ib], perm[ia]];
  return permute(x, perm);
}

/** Element offset of the block at per-dim `starts` in x's storage. */
function blockOffset(x: Tensor, starts: readonly number[]): number {
  return starts.reduce((acc, s, i) => acc + s * x.strides[i], x.offset);
}

/** Write `region` into the block of the freshly allocated `x` at per-dim offsets `starts`. */
function writeRegion(x: Tensor, region: Tensor, starts: readonly number[]): void {
  x.backend.copy(region.view, { ...x.view, offset: blockOffset(x, starts) }, region.shape);
}

/** x[starts[0]:ends[0], …] (ends exclusive; negative values count from the end). A view. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[]): Tensor {
  const backend = sameBackend('slice', [x]);
  if (starts.length !== x.rank || ends.length !== x.rank) {
    throw shapeError('slice', [x], `starts [${starts}] and ends [${ends}] must have ${x.rank} entries`);
  }
  const s = starts.map((v, i) => (v < 0 ? v + x.shape[i] : v));
  const e = ends.map((v, i) => (v < 0 ? v + x.shape[i] : v));
  if (s.some((v, i) => v < 0 || v > e[i] || e[i] > x.shape[i])) {
    throw shapeError('slice', [x], `range [${starts}]..[${ends}] is outside the shape`);
  }
  const shape = s.map((v, i) => e[i] - v);
  const y = Tensor.share(x, x._liveRef, shape, x.strides, blockOffset(x, s));
  record(y, [x], (dy) => {
    const dx = zeros(x.shape, { backend });
    writeRegion(dx, dy, s);
    return [dx];
  });
  return y;
}

/** Join tensors along an axis (all other dims equal). */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw shapeError('concat', [], 'needs at least one tensor');
  const backend = sameBackend('concat', xs);
  const first = xs[0];
  const ax = normalizeAxis('concat', xs, axis, first.rank);
  for (const t of xs) {
    const ok =
      t.rank === first.rank &&
      t.dtype === first.dtype &&
      t.shape.every((d, i) => i === ax || d === first.shape[i]);
    if (!ok) throw shapeError('concat', xs, `shapes/dtypes must match except on axis ${ax}`);
  }
  const shape = [...first.shape];
  shape[ax] = xs.reduce((n, t) => n + t.shape[ax], 0);
  const y = newTensor(backend, shape, first.dtype);
  let at = 0;
  for (const t of xs) {
    const starts = shape.map((_, i) => (i === ax ? at : 0));
    writeRegion(y, t, starts);
    at += t.shape[ax];
  }
  record(y, xs, (dy) => {
    let from = 0;
    return xs.map((t) => {
      const starts = shape.map((_, i) => (i === ax ? from : 0));
      const ends = shape.map((d, i) => (i === ax ? from + t.shape[ax] : d));
      from += t.shape[ax];
      return t.requiresGrad ? slice(dy, starts, ends) : null;
    });
  });
  return y;
}

/** Cut x into consecutive pieces of the given sizes along an axis. */
export function split(x: Tensor, sizes: readonly number[], axis = -1): Tensor[] {
  const ax = normalizeAxis('split', [x], axis, x.rank);
  if (sizes.reduce((a, b) => a + b, 0) !== x.shape[ax]) {
    throw shapeError('split', [x], `sizes [${sizes}] do not add up to dim ${ax} (${x.shape[ax]})`);
  }
  let from = 0;
  return sizes.map((size) => {
    const starts = x.shape.map((_, i) => (i === ax ? from : 0));
    const ends = x.shape.map((d, i) => (i === ax ? from + size : d));
    from += size;
    return slice(x, starts, ends);
  });
}

/** x read as `shape` (NumPy broadcasting): a view with stride 0 on the broadcast dims. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  sameBackend('broadcastTo', [x]);
  const target = broadcastShapes('broadcastTo', [x], x.shape, shape);
  if (!sameShape(target, shape)) throw shapeError('broadcastTo', [x], `cannot broadcast to [${shape}]`);
  const y = Tensor.share(x, x._liveRef, shape, broadcastStrides(x, shape), x.offset);
  record(y, [x], (dy) => [sumToShape(dy, x.shape)]);
  return y;
}

/**
 * x laid out densely row-major (`isContiguous`): a view of x's storage when it already is, else a dense
 * copy (one strided-copy kernel, shared with the copy kernels make of x when they need one).
 */
export function contiguous(x: Tensor): Tensor {
  sameBackend('contiguous', [x]);
  const y = x.isContiguous
    ? Tensor.share(x, x._liveRef, x.shape, contiguousStrides(x.shape), x.offset)
    : Tensor.share(x, x._denseRef(), x.shape);
  record(y, [x], (dy) => [dy]);
  return y;
}
