import { record } from '../autograd.js';
import type { DType } from '../backend.js';
import { isQuantized } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { alias } from './creation.js';
import { reshape } from './shape.js';
import { newTensor, sameBackend, shapeError } from './util.js';

/** Convert to another dtype (float→i32 truncates). Float casts pass the gradient through as f32. */
export function cast(x: Tensor, dtype: DType): Tensor {
  const backend = sameBackend('cast', [x]);
  if (dtype === x.dtype) return reshape(x, x.shape);
  if (isQuantized(dtype)) {
    throw shapeError(
      'cast',
      [x],
      `cannot cast to ${dtype} on the device; quantize host values with tensor(values, shape, { dtype })`,
    );
  }
  const y = newTensor(backend, x.shape, dtype);
  backend.cast(x.storage, y.storage);
  if (dtype !== 'i32' && x.dtype !== 'i32') {
    record(y, [x], (dy) => [alias(dy)]);
  }
  return y;
}
