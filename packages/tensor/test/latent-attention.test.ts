import { afterAll, describe, expect, it } from 'vitest';
import { gemvResidentBytes } from '../src/backends/cpu/wasm/gemv.js';
import { type Backend, cast, latentAttention, ShapeError, type Tensor, tensor, zeros } from '../src/index.js';
import { availableBackends, reference } from './conformance/backends.js';
import { TOLERANCE } from './conformance/tolerances.js';

const backends = await availableBackends();
afterAll(() => {
  for (const b of backends) b.backend?.destroy();
});

/** Deterministic values in [-1, 1). */
function wavy(n: number, seed: number): Float32Array {
  return Float32Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.731 + seed * 1.917) * Math.cos(i * 0.117 + seed),
  );
}

/** softmax(scale · q rowsᵀ) · rows[:, :dv] per head, in f64 over the given (already rounded) values. */
function oracle(
  q: Float32Array,
  rows: Float32Array,
  heads: number,
  length: number,
  width: number,
  dv: number,
  scale: number,
) {
  const out = new Float64Array(heads * dv);
  for (let h = 0; h < heads; h++) {
    const scores = Array.from({ length }, (_, j) => {
      let s = 0;
      for (let c = 0; c < width; c++) s += q[h * width + c] * rows[j * width + c];
      return s * scale;
    });
    const max = Math.max(...scores);
    const weights = scores.map((s) => Math.exp(s - max));
    const sum = weights.reduce((a, b) => a + b, 0);
    for (let j = 0; j < length; j++) {
      for (let c = 0; c < dv; c++) out[h * dv + c] += (weights[j] / sum) * rows[j * width + c];
    }
  }
  return out;
}

function expectClose(got: Float32Array, want: Float64Array) {
  const { atol, rtol } = TOLERANCE.f32;
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) {
      throw new Error(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

/** A cache of `capacity` rows of `dtype` whose rows past `length` hold huge values (they must not be read). */
async function makeCache(
  backend: Backend,
  capacity: number,
  length: number,
  width: number,
  dtype: 'f32' | 'f16' | 'bf16',
  seed: number,
  ramp: number,
) {
  const values = wavy(capacity * width, seed);
  // A ramp on the first column makes later rows score higher, so chunked kernels must rescale earlier sums.
  for (let j = 0; j < capacity; j++) values[j * width] += ramp * j;
  values.fill(6e4, length * width);
  const f32 = tensor(values, [capacity, width], { backend });
  const cache = dtype === 'f32' ? f32 : cast(f32, dtype);
  if (cache !== f32) f32.dispose();
  // The oracle reads the values the cache holds (rounded to its dtype).
  const widened = cast(cache, 'f32');
  const rounded = (await widened.data()) as Float32Array;
  widened.dispose();
  return { cache, rounded };
}

const CASES: { heads: number; width: number; dv: number; capacity: number; length: number; ramp: number }[] =
  [
    { heads: 1, width: 1, dv: 1, capacity: 1, length: 1, ramp: 0 },
    { heads: 3, width: 5, dv: 3, capacity: 9, length: 7, ramp: 0 },
    { heads: 8, width: 144, dv: 128, capacity: 200, length: 131, ramp: 0 },
    { heads: 4, width: 17, dv: 17, capacity: 64, length: 64, ramp: 0.05 },
    // More rows than one CPU chunk (2048), scores rising along the cache: the online softmax's rescaling.
    { heads: 2, width: 12, dv: 9, capacity: 4600, length: 4500, ramp: 0.004 },
  ];

for (const { name, backend, reason } of [...backends, { name: 'cpu f64 reference', backend: reference }]) {
  if (!backend) {
    if (process.env.CI) throw new Error(`${name} backend unavailable: ${reason}`);
    console.log(`latentAttention: skipping the ${name} backend: ${reason}`);
    continue;
  }
  describe(`latentAttention on ${name}`, () => {
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      for (const c of CASES) {
        it(`${dtype} cache, heads ${c.heads}, width ${c.width}, dv ${c.dv}, ${c.length} of ${c.capacity} rows`, async () => {
          const { cache, rounded } = await makeCache(
            backend,
            c.capacity,
            c.length,
            c.width,
            dtype,
            2,
            c.ramp,
          );
          const qValues = wavy(c.heads * c.width, 1);
          const q = tensor(qValues, [c.heads, c.width], { backend });
          const scale = 1 / Math.sqrt(c.width);
          const out = latentAttention(q, cache, { length: c.length, valueDim: c.dv, scale });
          expect(out.shape).toEqual([c.heads, c.dv]);
          expectClose(
            (await out.data()) as Float32Array,
            oracle(qValues, rounded, c.heads, c.length, c.width, c.dv, scale),
          );
          for (const t of [q, cache, out]) t.dispose();
        });
      }
    }
  });
}

describe('latentAttention on cpu reads an f32 or bf16 cache in place', () => {
  it('moves the cache into a GEMV arena (the WebAssembly kernels run, not the fallback)', async () => {
    for (const dtype of ['f32', 'bf16'] as const) {
      const cache: Tensor = dtype === 'f32' ? zeros([512, 24]) : cast(zeros([512, 24]), 'bf16');
      const before = gemvResidentBytes();
      const out = latentAttention(zeros([2, 24]), cache, { valueDim: 16, scale: 1 });
      expect(gemvResidentBytes() - before).toBeGreaterThanOrEqual(512 * 24 * (dtype === 'f32' ? 4 : 2));
      // all scores equal: the mean of the (zero) rows
      expect(Array.from(await out.data())).toEqual(new Array(32).fill(0));
      out.dispose();
      cache.dispose();
    }
  });
});

describe('latentAttention errors', () => {
  const q = zeros([2, 6]);
  const cache = zeros([5, 6]);
  it.each([
    [
      () => latentAttention(q, zeros([5, 7]), { valueDim: 4, scale: 1 }),
      'expected q [H, W] and cache [rows, W]',
    ],
    [
      () => latentAttention(q, cache, { length: 6, valueDim: 4, scale: 1 }),
      'length must be an integer in [1, 5], got 6',
    ],
    [() => latentAttention(q, cache, { length: 0, valueDim: 4, scale: 1 }), 'got 0'],
    [
      () => latentAttention(q, cache, { valueDim: 7, scale: 1 }),
      'valueDim must be an integer in [1, 6], got 7',
    ],
    [() => latentAttention(zeros([2, 6], { dtype: 'i32' }), cache, { valueDim: 4, scale: 1 }), 'i32'],
  ])('%#', (call, message) => {
    expect(call).toThrow(ShapeError);
    expect(call).toThrow(message);
  });
});
