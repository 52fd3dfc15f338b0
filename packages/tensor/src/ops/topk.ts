import type { Tensor } from '../tensor.js';
import { contiguous, permute } from './shape.js';
import { newTensor, normalizeAxis, requireDType, sameBackend, shapeError } from './util.js';

/** The largest k of a backend kernel's row (its workgroup selects them in shared memory). */
export const TOPK_MAX_K = 256;

export interface TopK {
  /** f32, the k largest values along the axis, largest first. */
  values: Tensor;
  /** i32, their positions along the axis. */
  indices: Tensor;
}

/**
 * The k largest values along `axis` and their indices, largest first. Order: larger value first, equal
 * values by lower index (so -0 and +0 tie), NaN above everything (as in `argmax`); identical on every
 * backend. 1 <= k <= min(axis length, 256). Forward only: the outputs carry no gradient.
 */
export function topk(x: Tensor, k: number, axis = -1): TopK {
  const backend = sameBackend('topk', [x]);
  requireDType('topk', [x], x, ['f32']);
  const a = normalizeAxis('topk', [x], axis, x.rank);
  const cols = x.shape[a];
  if (!Number.isInteger(k) || k < 1 || k > cols || k > TOPK_MAX_K) {
    throw shapeError(
      'topk',
      [x],
      `k must be an integer in [1, ${Math.min(cols, TOPK_MAX_K)}] (axis ${a} has length ${cols}, at most ${TOPK_MAX_K}), got ${k}`,
    );
  }
  const last = x.rank - 1;
  // Move the axis last: the kernel selects along contiguous rows.
  const perm = x.shape.map((_, i) => (i === a ? last : i === last ? a : i));
  const moved = a === last ? x : permute(x, perm);
  const rowShape = [...moved.shape.slice(0, last), k];
  const rows = moved.size / cols;
  const values = newTensor(backend, rowShape, 'f32');
  const indices = newTensor(backend, rowShape, 'i32');
  backend.topk(moved.storage, values.storage, indices.storage, rows, cols, k);
  if (moved !== x) moved.dispose();
  if (a === last) return { values, indices };
  const back = (t: Tensor) => {
    const view = permute(t, perm);
    const dense = contiguous(view);
    view.dispose();
    t.dispose();
    return dense;
  };
  return { values: back(values), indices: back(indices) };
}
