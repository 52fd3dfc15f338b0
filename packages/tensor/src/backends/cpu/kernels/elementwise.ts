import type { BinaryOp, Storage, UnaryOp, View } from '../../../backend.js';
import { type CpuArray, floats, raw } from '../storage.js';
import { type WasmBinaryOp, wasmBinaryRow } from '../wasm/binary.js';
import { coalesce, lastStride, walkRows } from './strided.js';

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

/**
 * One row of a binary op on f32 arrays: out[o + j] = op(a[ia + j·sa], b[ib + j·sb]) for j < n. The common
 * ops get a loop each, so the operation is inlined rather than called through a table per element
 * (which V8 cannot inline once a call site has seen several ops).
 */
type F32Row = (
  a: Float32Array,
  ia: number,
  sa: number,
  b: Float32Array,
  ib: number,
  sb: number,
  out: Float32Array,
  o: number,
  n: number,
) => void;

const F32_ROWS: Partial<Record<BinaryOp, F32Row>> = {
  add: (a, ia, sa, b, ib, sb, out, o, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] + b[ib];
  },
  sub: (a, ia, sa, b, ib, sb, out, o, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] - b[ib];
  },
  mul: (a, ia, sa, b, ib, sb, out, o, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] * b[ib];
  },
  div: (a, ia, sa, b, ib, sb, out, o, n) => {
    for (let j = 0; j < n; j++, ia += sa, ib += sb) out[o + j] = a[ia] / b[ib];
  },
};

/** Rows at least this long go to the wasm SIMD loop (staging costs more than it saves on short ones). */
const SIMD_MIN = 64;

export function binary(op: BinaryOp, a: View, b: View, out: Storage, shape: readonly number[]): void {
  const flat = coalesce(shape, [a, b]);
  const [va, vb] = flat.views;
  const av = raw(a.storage);
  const bv = raw(b.storage);
  const dst = raw(out);
  const inner = flat.shape.length === 0 ? 1 : flat.shape[flat.shape.length - 1];
  const sa = lastStride(va.strides);
  const sb = lastStride(vb.strides);
  const row = F32_ROWS[op];
  if (row && av instanceof Float32Array && bv instanceof Float32Array && dst instanceof Float32Array) {
    // long dense or scalar-broadcast rows run in wasm SIMD (the ops with a row loop are exactly its ops)
    const simd = inner >= SIMD_MIN && (sa === 0 || sa === 1) && (sb === 0 || sb === 1);
    const simdRow = simd ? wasmBinaryRow() : null;
    if (simdRow) {
      const wop = op as WasmBinaryOp;
      const [wa, wb] = [sa as 0 | 1, sb as 0 | 1];
      walkRows(flat.shape, flat.views, (r, o) =>
        simdRow(wop, av, o[0], wa, bv, o[1], wb, dst, r * inner, inner),
      );
      return;
    }
    walkRows(flat.shape, flat.views, (r, offsets) =>
      row(av, offsets[0], sa, bv, offsets[1], sb, dst, r * inner, inner),
    );
    return;
  }
  const f = BINARY[op];
  const int = out.dtype === 'i32';
  walkRows(flat.shape, flat.views, (r, offsets) => {
    const base = r * inner;
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
  const flat = coalesce(shape, [cond, a, b]);
  const inner = flat.shape.length === 0 ? 1 : flat.shape[flat.shape.length - 1];
  const sc = lastStride(flat.views[0].strides);
  const sa = lastStride(flat.views[1].strides);
  const sb = lastStride(flat.views[2].strides);
  walkRows(flat.shape, flat.views, (row, offsets) => {
    const base = row * inner;
    for (let j = 0; j < inner; j++) {
      dst[base + j] = cv[offsets[0] + j * sc] !== 0 ? av[offsets[1] + j * sa] : bv[offsets[2] + j * sb];
    }
  });
}
