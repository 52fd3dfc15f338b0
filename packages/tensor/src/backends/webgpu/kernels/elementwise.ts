import type { BinaryOp, Storage, UnaryOp, View } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import {
  ENTRY_1D,
  input,
  output,
  PARAMS_WGSL,
  Params,
  stridedOffset,
  THREAD_INDEX_WGSL,
  threads,
} from '../wgsl.js';

/** Overflow-safe tanh (some drivers compute WGSL tanh through exp and return NaN for large |x|). */
const MATH_WGSL = /* wgsl */ `
fn tanh_s(x: f32) -> f32 { let e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn gelu_inner(x: f32) -> f32 { return 0.7978845608028654 * (x + 0.044715 * x * x * x); }
fn pow_s(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  let p = exp2(b * log2(abs(a)));
  if (a >= 0.0) { return p; }
  if (fract(b) != 0.0) { return nan(); }
  return select(p, -p, fract(b * 0.5) != 0.0);
}
`;

const UNARY: Record<UnaryOp, string> = {
  neg: '-a',
  exp: 'exp(a)',
  log: 'log(a)',
  sqrt: 'sqrt(a)',
  rsqrt: 'inverseSqrt(a)',
  silu: 'a * sigmoid(a)',
  gelu: '0.5 * a * (1.0 + tanh_s(gelu_inner(a)))',
  tanh: 'tanh_s(a)',
  sigmoid: 'sigmoid(a)',
  abs: 'abs(a)',
};

const COMPARE: Partial<Record<BinaryOp, string>> = {
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

function binaryExpr(op: BinaryOp): string {
  const cmp = COMPARE[op];
  if (cmp) return `select(0.0, 1.0, a ${cmp} b)`;
  switch (op) {
    case 'add':
      return 'a + b';
    case 'sub':
      return 'a - b';
    case 'mul':
      return 'a * b';
    case 'div':
      return 'a / b';
    case 'pow':
      return 'pow_s(a, b)';
    case 'max':
      return 'max(a, b)';
    case 'min':
      return 'min(a, b)';
    case 'silu_grad':
      return 'b * sigmoid(a) * (1.0 + a * (1.0 - sigmoid(a)))';
    case 'gelu_grad':
      return `b * (0.5 * (1.0 + tanh_s(gelu_inner(a))) + 0.5 * a * (1.0 - tanh_s(gelu_inner(a)) * tanh_s(gelu_inner(a))) * 0.7978845608028654 * (1.0 + 0.134145 * a * a))`;
    default:
      throw new Error(`unknown binary op ${op}`);
  }
}

/** out = op(x) element by element. */
export function unary(ctx: KernelContext, op: UnaryOp, x: Storage, out: Storage): void {
  if (out.size === 0) return;
  const code = `${PARAMS_WGSL}${MATH_WGSL}${THREAD_INDEX_WGSL}
@group(0) @binding(1) var<storage, read> x: array<f32>;
${output('out', 2)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let a = x[i];
  out[i] = ${UNARY[op]};
}`;
  launch(ctx, `unary ${op}`, code, new Params().u(out.size), [x, out], threads(out.size));
}

function isContiguous(v: View, shape: readonly number[]): boolean {
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && v.strides[d] !== stride) return false;
    stride *= shape[d];
  }
  return true;
}

/**
 * The shared body of broadcasting elementwise kernels over 2 or 3 strided views. Parameter words:
 * n, rank, offsets[3] at 2..4, shape at 8, strides of view k at 14 + 6k.
 */
function viewsKernel(
  ctx: KernelContext,
  name: string,
  views: View[],
  out: Storage,
  shape: readonly number[],
  elemType: 'f32' | 'i32',
  outType: 'f32' | 'i32',
  body: string,
): void {
  if (out.size === 0) return;
  const names = ['a', 'b', 'c'].slice(0, views.length);
  // When every view is contiguous (same shape, no broadcast) the flat index addresses them directly.
  const flat = views.every((v) => isContiguous(v, shape));
  const decls = views.map((v, k) => {
    const n = names[k];
    const offset = flat ? `pu(${2 + k}u) + i` : `off_${n}(i, pu(1u))`;
    const helper = flat ? '' : stridedOffset(n, 8, 14 + 6 * k, 2 + k);
    return `@group(0) @binding(${k + 1}) var<storage, read> ${n}_buf: array<${v.storage.dtype === 'i32' ? 'i32' : 'f32'}>;
${helper}
fn ld_${n}(i: u32) -> ${elemType} { return ${elemType}(${n}_buf[${offset}]); }`;
  });
  const code = `${PARAMS_WGSL}${MATH_WGSL}${THREAD_INDEX_WGSL}
${decls.join('\n')}
${output('out', views.length + 1, outType)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  ${names.map((n) => `let ${n} = ld_${n}(i);`).join(' ')}
  out[i] = ${body};
}`;
  const p = new Params().u(out.size, shape.length);
  for (let k = 0; k < 6; k++) p.u(views[k]?.offset ?? 0);
  p.list(shape);
  for (const v of views) p.list(v.strides);
  launch(ctx, name, code, p, [...views.map((v) => v.storage), out], threads(out.size));
}

/** out = op(a, b) with broadcasting through the views' strides. */
export function binary(
  ctx: KernelContext,
  op: BinaryOp,
  a: View,
  b: View,
  out: Storage,
  shape: readonly number[],
): void {
  const ints = a.storage.dtype === 'i32' && b.storage.dtype === 'i32';
  const compare = COMPARE[op] !== undefined;
  const elem = ints ? 'i32' : 'f32';
  const outType = ints && !compare ? 'i32' : 'f32';
  viewsKernel(ctx, `binary ${op}`, [a, b], out, shape, elem, outType, binaryExpr(op));
}

/** out = cond != 0 ? a : b with broadcasting. */
export function where(
  ctx: KernelContext,
  cond: View,
  a: View,
  b: View,
  out: Storage,
  shape: readonly number[],
): void {
  // Views are named a, b, c in the kernel: here a = cond, b = the true branch, c = the false branch.
  viewsKernel(ctx, 'where', [cond, a, b], out, shape, 'f32', 'f32', 'select(c, b, a != 0.0)');
}

function pairKernel(ctx: KernelContext, name: string, ins: Storage[], outs: Storage[], body: string): void {
  const n = outs[0].size;
  if (n === 0) return;
  const names = ['gate', 'up', 'dy'].slice(0, ins.length);
  const code = `${PARAMS_WGSL}${MATH_WGSL}${THREAD_INDEX_WGSL}
${names.map((nm, k) => input(nm, k + 1, 'f32')).join('\n')}
${outs.map((_, k) => output(`out${k}`, ins.length + k + 1)).join('\n')}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  ${names.map((nm) => `let ${nm}_v = ld_${nm}(i);`).join(' ')}
  ${body}
}`;
  launch(ctx, name, code, new Params().u(n), [...ins, ...outs], threads(n));
}

/** out = silu(gate) * up. */
export function swiglu(ctx: KernelContext, gate: Storage, up: Storage, out: Storage): void {
  pairKernel(ctx, 'swiglu', [gate, up], [out], 'out0[i] = gate_v * sigmoid(gate_v) * up_v;');
}

export function swigluBackward(
  ctx: KernelContext,
  gate: Storage,
  up: Storage,
  dy: Storage,
  dGate: Storage,
  dUp: Storage,
): void {
  pairKernel(
    ctx,
    'swiglu backward',
    [gate, up, dy],
    [dGate, dUp],
    `let s = sigmoid(gate_v);
  out0[i] = dy_v * up_v * s * (1.0 + gate_v * (1.0 - s));
  out1[i] = dy_v * gate_v * s;`,
  );
}
