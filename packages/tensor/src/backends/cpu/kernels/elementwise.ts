import type { BinaryOp, Storage, UnaryOp, View } from '../../../backend.js';
import { type CpuArray, floats, raw } from '../storage.js';
import { lastStride, walkRows } from './strided.js';

const GELU_C = Math.sqrt(2 / Math.PI);

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
}

function geluGrad(x: number): number {
  const inner = GELU_C * (x + 0.044715 * x * x * x);
  const t = Math.tanh(inner);
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
}

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  silu: (x) => x * sigmoid(x),
  gelu,
  tanh: Math.tanh,
  sigmoid,
  abs: Math.abs,
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  max: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  min: (a, b) => (a < b || Number.isNaN(a) ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  silu_grad: (x, dy) => {
    const s = sigmoid(x);
    return dy * s * (1 + x * (1 - s));
  },
  gelu_grad: (x, dy) => dy * geluGrad(x),
};

export function unary(op: UnaryOp, x: Storage, out: Storage): void {
  const f = UNARY[op];
  const src = floats(x);
  const dst = floats(out);
  for (let i = 0; i < dst.length; i++) dst[i] = f(src[i]);
}

export function binary(op: BinaryOp, a: View, b: View, out: Storage, shape: readonly number[]): void {
  const f = BINARY[op];
  const av = raw(a.storage);
  const bv = raw(b.storage);
  const dst = raw(out);
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1];
  const sa = lastStride(a.strides);
  const sb = lastStride(b.strides);
  const int = out.dtype === 'i32';
  walkRows(shape, [a, b], (row, offsets) => {
    const base = row * inner;
    let oa = offsets[0];
    let ob = offsets[1];
    for (let j = 0; j < inner; j++, oa += sa, ob += sb) {
      const value = f(av[oa], bv[ob]);
      dst[base + j] = int ? Math.trunc(value) : value;
    }
  });
}

export function where(cond: View, a: View, b: View, out: Storage, shape: readonly number[]): void {
  const cv: CpuArray = raw(cond.storage);
  const av = floats(a.storage);
  const bv = floats(b.storage);
  const dst = floats(out);
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1];
  const sc = lastStride(cond.strides);
  const sa = lastStride(a.strides);
  const sb = lastStride(b.strides);
  walkRows(shape, [cond, a, b], (row, offsets) => {
    const base = row * inner;
    for (let j = 0; j < inner; j++) {
      dst[base + j] = cv[offsets[0] + j * sc] !== 0 ? av[offsets[1] + j * sa] : bv[offsets[2] + j * sb];
    }
  });
}
