import type { Backend, DType, View } from '../backend.js';
import { ShapeError } from '../errors.js';
import { contiguousStrides } from '../layout.js';
import { Tensor } from '../tensor.js';

export { contiguousStrides };

/** "matmul([2,3] f32, [4,5] bf16)" — how errors name an op call. */
export function describe(op: string, ...ts: readonly Tensor[]): string {
  return `${op}(${ts.map((t) => `[${t.shape.join(',')}] ${t.dtype}`).join(', ')})`;
}

export function shapeError(op: string, ts: readonly Tensor[], why: string): ShapeError {
  return new ShapeError(`${describe(op, ...ts)}: ${why}`);
}

/** All tensors on one backend; returns it. */
export function sameBackend(op: string, ts: readonly Tensor[]): Backend {
  const backend = ts[0].backend;
  for (const t of ts) {
    t._liveRef; // throws DisposedError early, naming the tensor
    if (t.backend !== backend) {
      throw shapeError(op, ts, `tensors live on different backends (${backend.name} and ${t.backend.name})`);
    }
  }
  return backend;
}

export function requireDType(op: string, ts: readonly Tensor[], t: Tensor, allowed: readonly DType[]): void {
  if (!allowed.includes(t.dtype)) {
    throw shapeError(op, ts, `expected ${allowed.join(' or ')}, got ${t.dtype} (cast() it first)`);
  }
}

export function normalizeAxis(op: string, ts: readonly Tensor[], axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw shapeError(op, ts, `axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(
  op: string,
  ts: readonly Tensor[],
  a: readonly number[],
  b: readonly number[],
) {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(op, ts, `shapes [${a}] and [${b}] do not broadcast (dim ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** t's strides read as `shape` (which t broadcasts to): stride 0 on broadcast dims. */
export function broadcastStrides(t: Tensor, shape: readonly number[]): number[] {
  const pad = shape.length - t.rank;
  return shape.map((_, i) => (i < pad || t.shape[i - pad] === 1 ? 0 : t.strides[i - pad]));
}

/** A view of t's storage read as `shape` (which t broadcasts to), through t's own strides and offset. */
export function broadcastView(t: Tensor, shape: readonly number[]): View {
  return { ...t.view, strides: broadcastStrides(t, shape) };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function newTensor(backend: Backend, shape: readonly number[], dtype: DType): Tensor {
  return Tensor.empty(backend, shape, dtype);
}
