import { record } from '../autograd.js';
import type { ReduceOp } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { alias } from './creation.js';
import { eq, mul } from './elementwise.js';
import { broadcastTo, reshape } from './shape.js';
import { newTensor, normalizeAxis, requireDType, sameBackend, shapeError } from './util.js';

function normalizeAxes(op: string, x: Tensor, axes: number | readonly number[] | undefined): number[] {
  if (axes === undefined) return x.shape.map((_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normalizeAxis(op, [x], a, x.rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw shapeError(op, [x], `axes [${list}] repeat an axis`);
  return out;
}

/** One kernel call per reduced axis (last first), viewing x as [outer, r, inner]. */
function reduceAxes(op: ReduceOp, x: Tensor, axes: readonly number[]): Tensor {
  const backend = sameBackend(op, [x]);
  let current = x;
  let shape = [...x.shape];
  for (let i = axes.length - 1; i >= 0; i--) {
    const axis = axes[i];
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const r = shape[axis];
    if (r === 0) throw shapeError(op, [x], `cannot reduce over the empty axis ${axis}`);
    shape = [...shape.slice(0, axis), ...shape.slice(axis + 1)];
    const out = newTensor(backend, shape, op === 'argmax' ? 'i32' : 'f32');
    backend.reduce(op, current.storage, out.storage, outer, r, inner);
    if (current !== x) current.dispose();
    current = out;
  }
  return current === x ? alias(x) : current;
}

function keptShape(x: Tensor, axes: readonly number[]): number[] {
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function finishShape(y: Tensor, x: Tensor, axes: readonly number[], keepDims: boolean): Tensor {
  if (!keepDims) return y;
  const kept = reshape(y, keptShape(x, axes));
  y.dispose();
  return kept;
}

/** Sum over axes (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  requireDType('sum', [x], x, ['f32']);
  const list = normalizeAxes('sum', x, axes);
  const y = finishShape(reduceAxes('sum', x, list), x, list, keepDims);
  record(y, [x], (dy) => {
    const g = reshape(dy, keptShape(x, list));
    return [broadcastTo(g, x.shape)];
  });
  return y;
}

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes('mean', x, axes);
  const count = list.reduce((n, a) => n * x.shape[a], 1);
  const total = sum(x, list, keepDims);
  const y = mul(total, 1 / count);
  total.dispose();
  return y;
}

/** Maximum over axes; the gradient flows to every position equal to the maximum. */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  requireDType('max', [x], x, ['f32']);
  const list = normalizeAxes('max', x, axes);
  const y = finishShape(reduceAxes('max', x, list), x, list, keepDims);
  record(y, [x], (dy) => {
    const shape = keptShape(x, list);
    const mask = eq(x, reshape(y, shape));
    return [mul(mask, reshape(dy, shape))];
  });
  return y;
}

/** Index (i32) of the first maximum along one axis. No gradient. */
export function argmax(x: Tensor, axis = -1): Tensor {
  requireDType('argmax', [x], x, ['f32']);
  return reduceAxes('argmax', x, [normalizeAxis('argmax', [x], axis, x.rank)]);
}

/** Sum g over the dims where `shape` (right-aligned) has 1 or is missing: the adjoint of broadcasting. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  const pad = g.rank - shape.length;
  const axes = g.shape.map((_, i) => i).filter((i) => i < pad || (shape[i - pad] === 1 && g.shape[i] !== 1));
  const summed = axes.length > 0 ? sum(g, axes, true) : alias(g);
  const out = reshape(summed, shape);
  summed.dispose();
  return out;
}
