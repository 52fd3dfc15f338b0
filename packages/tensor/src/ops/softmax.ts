import { disposeIntermediate, record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { transpose } from './shape.js';
import { newTensor, normalizeAxis, requireDType, sameBackend } from './util.js';

function softmaxLast(x: Tensor, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const backend = sameBackend(op, [x]);
  requireDType(op, [x], x, ['f32']);
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const y = newTensor(backend, x.shape, 'f32');
  backend.softmax(x.storage, y.storage, rows, cols, log);
  record(y, [x], (dy) => {
    const dx = newTensor(backend, x.shape, 'f32');
    backend.softmaxBackward(y.storage, dy.storage, dx.storage, rows, cols, log);
    return [dx];
  });
  return y;
}

function alongAxis(x: Tensor, axis: number, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const ax = normalizeAxis(op, [x], axis, x.rank);
  if (ax === x.rank - 1) return softmaxLast(x, log);
  const moved = transpose(x, ax, -1);
  const y = softmaxLast(moved, log);
  const back = transpose(y, ax, -1);
  disposeIntermediate(moved);
  disposeIntermediate(y);
  return back;
}

/** Softmax along an axis (default last). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, false);
}

/** Log-softmax along an axis (default last). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return alongAxis(x, axis, true);
}
