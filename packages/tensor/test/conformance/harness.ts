import { type Backend, mul, sum, type Tensor, tensor, tidy, zeros } from '../../src/index.js';
import { fillRandom } from '../../src/rng.js';
import type { Case, InputSpec } from './cases.js';
import { FD_SAMPLES, FD_STEP, TOLERANCE } from './tolerances.js';

export interface Result {
  out: Float64Array;
  outDtype: string;
  grads: (Float64Array | null)[];
}

function isIntKind(spec: InputSpec): boolean {
  return spec.kind === 'ids' || spec.kind === 'targets' || spec.kind === 'positions';
}

function wantsGrad(spec: InputSpec): boolean {
  return spec.grad ?? (!isIntKind(spec) && spec.kind !== 'mask' && (spec.dtype ?? 'f32') === 'f32');
}

/** Deterministic host values for input `index` of case `seed` (f32-representable). */
export function hostData(spec: InputSpec, seed: number, index: number): Float64Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const u = new Float64Array(size);
  const s = seed * 16 + index;
  if (!spec.kind || spec.kind === 'normal') {
    fillRandom(u, 'normal', s, 7, 0, 1);
    return u.map(Math.fround);
  }
  fillRandom(u, 'uniform', s, 7, 0, 1);
  const max = spec.max ?? 2;
  switch (spec.kind) {
    case 'positive':
      return u.map((x) => Math.fround(0.5 + 1.5 * x));
    case 'ids':
      return u.map((x) => Math.floor(x * max));
    case 'targets':
      return u.map((x, i) => (i % 4 === 3 ? -100 : Math.floor(x * max)));
    case 'mask':
      return u.map((x) => (x < 0.7 ? 1 : 0));
    case 'positions':
      return u.map((_, i) => i * 3 + 1);
  }
}

/** An input tensor; on the f64 reference backend f32 data is uploaded at full precision. */
function makeInput(backend: Backend, spec: InputSpec, data: Float64Array, reference: boolean): Tensor {
  const dtype = spec.dtype ?? (isIntKind(spec) ? 'i32' : 'f32');
  let t: Tensor;
  if (dtype === 'f32' && reference) {
    t = zeros(spec.shape, { backend });
    backend.upload(t.storage, data);
  } else {
    const values = dtype === 'i32' ? Int32Array.from(data) : Float32Array.from(data);
    t = tensor(values, spec.shape, { backend, dtype });
  }
  if (wantsGrad(spec)) t.requiresGrad = true;
  return t;
}

async function read(t: Tensor, reference: boolean): Promise<Float64Array> {
  if (reference && t.dtype !== 'f16' && t.dtype !== 'bf16') {
    return Float64Array.from((t.storage as unknown as { data: ArrayLike<number> }).data);
  }
  return Float64Array.from(await t.data());
}

/**
 * Run a case forward, then backward from sum(out * w) with a fixed w, on one backend; `data` overrides
 * the generated inputs (finite differences).
 */
export async function evaluate(
  backend: Backend,
  c: Case,
  seed: number,
  reference: boolean,
  data?: Float64Array[],
): Promise<Result> {
  const values = data ?? c.inputs.map((spec, i) => hostData(spec, seed, i));
  const { out, grads } = tidy(() => {
    const inputs = c.inputs.map((spec, i) => makeInput(backend, spec, values[i], reference));
    const y = c.run(inputs);
    if (!y.requiresGrad) return { out: y, grads: [] as (Tensor | null)[] };
    const w = makeInput(
      backend,
      { shape: [...y.shape] },
      hostData({ shape: [...y.shape] }, seed, 15),
      reference,
    );
    sum(mul(y, w)).backward();
    // detach the gradients so that disposing the inputs at the end of the scope leaves them alive
    const grads = inputs.map((t) => t.grad);
    for (const t of inputs) t.grad = null;
    return { out: y, grads };
  });
  const result: Result = {
    out: await read(out, reference),
    outDtype: out.dtype,
    grads: await Promise.all(grads.map((g) => (g ? read(g, reference) : null))),
  };
  out.dispose();
  for (const g of grads) g?.dispose();
  return result;
}

/** Index of the first element outside tolerance, with a message; null when all pass. */
export function mismatch(
  actual: Float64Array,
  expected: Float64Array,
  tol: { atol: number; rtol: number },
): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = a === e || Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) return `element ${i}: got ${a}, expected ${e} (atol ${tol.atol}, rtol ${tol.rtol})`;
  }
  return null;
}

/** Central differences of L = sum(out * w) at a few coordinates of each grad input, on the f64 reference. */
export async function finiteDifferenceErrors(ref: Backend, c: Case, seed: number): Promise<string[]> {
  const base = c.inputs.map((spec, i) => hostData(spec, seed, i));
  const analytic = await evaluate(ref, c, seed, true);
  const lossAt = async (data: Float64Array[]) => {
    const r = await evaluate(ref, c, seed, true, data);
    const w = hostData({ shape: [r.out.length] }, seed, 15);
    return r.out.reduce((acc, v, i) => acc + v * w[i], 0);
  };
  const errors: string[] = [];
  for (let i = 0; i < c.inputs.length; i++) {
    const grad = analytic.grads[i];
    if (!grad) continue;
    const picks = hostData({ shape: [FD_SAMPLES], kind: 'ids', max: grad.length }, seed, 20 + i);
    for (const idx of picks) {
      const plus = base.map((d) => d.slice());
      const minus = base.map((d) => d.slice());
      plus[i][idx] += FD_STEP;
      minus[i][idx] -= FD_STEP;
      const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * FD_STEP);
      const msg = mismatch(Float64Array.of(grad[idx]), Float64Array.of(numeric), TOLERANCE.finiteDifference);
      if (msg) errors.push(`input ${i} [${idx}]: analytic ${grad[idx]} vs numeric ${numeric}`);
    }
  }
  return errors;
}
