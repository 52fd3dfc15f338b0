import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { newTensor, requireDType, sameBackend, sameShape, shapeError } from './util.js';

/** x / sqrt(mean(x², last axis) + eps) * weight, in one kernel with f32 statistics. weight: [C]. */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  const ts = [x, weight];
  const backend = sameBackend('rmsNorm', ts);
  for (const t of ts) requireDType('rmsNorm', ts, t, ['f32']);
  const cols = x.shape[x.rank - 1];
  if (x.rank < 1 || weight.rank !== 1 || weight.shape[0] !== cols) {
    throw shapeError('rmsNorm', ts, `weight must be [${cols}] (the last dim of x)`);
  }
  const rows = x.size / cols;
  const y = newTensor(backend, x.shape, 'f32');
  const rstd = newTensor(backend, [rows], 'f32');
  backend.rmsNorm(x.storage, weight.storage, y.storage, rstd.storage, rows, cols, eps);
  record(
    y,
    ts,
    (dy) => {
      const dx = newTensor(backend, x.shape, 'f32');
      const dw = newTensor(backend, weight.shape, 'f32');
      backend.rmsNormBackward(
        x.storage,
        weight.storage,
        rstd.storage,
        dy.storage,
        dx.storage,
        dw.storage,
        rows,
        cols,
      );
      return [dx, dw];
    },
    [rstd],
  );
  return y;
}

/** silu(gate) * up in one kernel (the SwiGLU MLP's gate). */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  const ts = [gate, up];
  const backend = sameBackend('swiglu', ts);
  for (const t of ts) requireDType('swiglu', ts, t, ['f32']);
  if (!sameShape(gate.shape, up.shape))
    throw shapeError('swiglu', ts, 'gate and up must have the same shape');
  const y = newTensor(backend, gate.shape, 'f32');
  backend.swiglu(gate.storage, up.storage, y.storage);
  record(y, ts, (dy) => {
    const dGate = newTensor(backend, gate.shape, 'f32');
    const dUp = newTensor(backend, up.shape, 'f32');
    backend.swigluBackward(gate.storage, up.storage, dy.storage, dGate.storage, dUp.storage);
    return [dGate, dUp];
  });
  return y;
}
