import { record } from '../autograd.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { scalarLike } from './creation.js';
import { sumToShape } from './reduce.js';
import {
  broadcastShapes,
  broadcastView,
  newTensor,
  requireDType,
  sameBackend,
  sameShape,
  shapeError,
} from './util.js';

/** A tensor, or a number taken as a scalar of the other operand's dtype. */
export type Operand = Tensor | number;

type UnaryGrad = (x: Tensor, y: Tensor, dy: Tensor) => Tensor;

/** Every unary op: its backward in terms of other ops (x = input, y = output). */
const UNARY_GRAD: Record<UnaryOp, UnaryGrad> = {
  neg: (_x, _y, dy) => neg(dy),
  exp: (_x, y, dy) => mul(dy, y),
  log: (x, _y, dy) => div(dy, x),
  sqrt: (_x, y, dy) => div(dy, mul(y, 2)),
  rsqrt: (_x, y, dy) => mul(dy, mul(pow(y, 3), -0.5)),
  silu: (x, _y, dy) => binary('silu_grad', x, dy),
  gelu: (x, _y, dy) => binary('gelu_grad', x, dy),
  tanh: (_x, y, dy) => mul(dy, sub(1, mul(y, y))),
  sigmoid: (_x, y, dy) => mul(dy, mul(y, sub(1, y))),
  abs: (x, _y, dy) => mul(dy, sub(gt(x, 0), lt(x, 0))),
};

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  const backend = sameBackend(op, [x]);
  requireDType(op, [x], x, ['f32']);
  const y = newTensor(backend, x.shape, 'f32');
  backend.unary(op, x.storage, y.storage);
  record(y, [x], (dy) => [UNARY_GRAD[op](x, y, dy)]);
  return y;
}

type BinaryGrad = (a: Tensor, b: Tensor, y: Tensor, dy: Tensor) => [Tensor | null, Tensor | null];

/** Backward of the differentiable binary ops, before reducing broadcast dims. */
const BINARY_GRAD: Partial<Record<BinaryOp, BinaryGrad>> = {
  add: (_a, _b, _y, dy) => [dy, dy],
  sub: (_a, _b, _y, dy) => [dy, neg(dy)],
  mul: (a, b, _y, dy) => [a.requiresGrad ? mul(dy, b) : null, b.requiresGrad ? mul(dy, a) : null],
  div: (_a, b, y, dy) => {
    const da = div(dy, b);
    return [da, b.requiresGrad ? neg(mul(da, y)) : null];
  },
  pow: (a, b, y, dy) => [
    a.requiresGrad ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null,
    b.requiresGrad ? mul(dy, mul(y, log(a))) : null,
  ],
  max: (a, b, _y, dy) => [mul(dy, ge(a, b)), mul(dy, lt(a, b))],
  min: (a, b, _y, dy) => [mul(dy, le(a, b)), mul(dy, gt(a, b))],
};

const COMPARISONS: ReadonlySet<BinaryOp> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const INT_OPS: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'mul', 'max', 'min', ...COMPARISONS]);

function binary(op: BinaryOp, aIn: Operand, bIn: Operand): Tensor {
  if (typeof aIn === 'number' && typeof bIn === 'number') {
    throw shapeError(op, [], 'needs at least one tensor operand');
  }
  const a = typeof aIn === 'number' ? scalarLike(bIn as Tensor, aIn) : aIn;
  const b = typeof bIn === 'number' ? scalarLike(a, bIn) : bIn;
  const scalars = [a, b].filter((t, i) => t !== [aIn, bIn][i]);
  const ts = [a, b];
  const backend = sameBackend(op, ts);
  requireDType(op, ts, a, INT_OPS.has(op) ? ['f32', 'i32'] : ['f32']);
  if (a.dtype !== b.dtype) throw shapeError(op, ts, `operand dtypes differ (${a.dtype} vs ${b.dtype})`);
  const shape = broadcastShapes(op, ts, a.shape, b.shape);
  const y = newTensor(backend, shape, COMPARISONS.has(op) ? 'f32' : a.dtype);
  backend.binary(op, broadcastView(a, shape), broadcastView(b, shape), y.storage, shape);
  const grad = BINARY_GRAD[op];
  if (grad && a.dtype === 'f32') {
    record(
      y,
      [a, b],
      (dy) => {
        const [da, db] = grad(a, b, y, dy);
        return [reduceTo(da, a.shape, dy), reduceTo(db, b.shape, dy)];
      },
      scalars,
    );
  } else {
    for (const s of scalars) s.dispose();
  }
  return y;
}

/** Sum a broadcast gradient back to an input's shape (a fresh tensor unless it already fits). */
function reduceTo(g: Tensor | null, shape: readonly number[], dy: Tensor): Tensor | null {
  if (!g || sameShape(g.shape, shape)) return g;
  const reduced = sumToShape(g, shape);
  if (g !== dy) g.dispose();
  return reduced;
}

export const add = (a: Operand, b: Operand): Tensor => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binary('div', a, b);
export const pow = (a: Operand, b: Operand): Tensor => binary('pow', a, b);
/** Elementwise maximum / minimum (the reduction is `max(x, axes)`). */
export const maximum = (a: Operand, b: Operand): Tensor => binary('max', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binary('min', a, b);
/** Comparisons return f32 masks (1 where true, 0 elsewhere) and have no gradient. */
export const eq = (a: Operand, b: Operand): Tensor => binary('eq', a, b);
export const ne = (a: Operand, b: Operand): Tensor => binary('ne', a, b);
export const lt = (a: Operand, b: Operand): Tensor => binary('lt', a, b);
export const le = (a: Operand, b: Operand): Tensor => binary('le', a, b);
export const gt = (a: Operand, b: Operand): Tensor => binary('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => binary('ge', a, b);

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);
/** GELU, tanh approximation. */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);

/** cond ? a : b elementwise with broadcasting; cond is an f32 mask (non-zero = true). */
export function where(cond: Tensor, aIn: Operand, bIn: Operand): Tensor {
  const a = typeof aIn === 'number' ? scalarLike(cond, aIn) : aIn;
  const b = typeof bIn === 'number' ? scalarLike(cond, bIn) : bIn;
  const scalars = [a, b].filter((t, i) => t !== [aIn, bIn][i]);
  const ts = [cond, a, b];
  const backend = sameBackend('where', ts);
  for (const t of ts) requireDType('where', ts, t, ['f32']);
  const shape = broadcastShapes('where', ts, broadcastShapes('where', ts, cond.shape, a.shape), b.shape);
  const y = newTensor(backend, shape, 'f32');
  const views = ts.map((t) => broadcastView(t, shape));
  backend.where(views[0], views[1], views[2], y.storage, shape);
  record(
    y,
    [a, b],
    (dy) => {
      const zero = scalarLike(dy, 0);
      const da = a.requiresGrad ? where(cond, dy, zero) : null;
      const db = b.requiresGrad ? where(cond, zero, dy) : null;
      zero.dispose();
      return [reduceTo(da, a.shape, dy), reduceTo(db, b.shape, dy)];
    },
    scalars,
  );
  return y;
}
