import { afterEach, describe, expect, it } from 'vitest';
import type { Storage } from '../src/backend.js';
import type { CpuStorage } from '../src/backends/cpu/storage.js';
import { Arena, gemvResidency, gemvResidentBytes, wasmGemv } from '../src/backends/cpu/wasm/gemv.js';
import { bf16BitsToF32, f32ToBf16Bits } from '../src/dtype.js';
import { AdamWState, adamw, cast, createCpuBackend, matmul, type Tensor, tensor } from '../src/index.js';

/**
 * The decode GEMV with weights resident in its module (gemv.ts): the resident path gives the per-call copy's
 * results bit for bit (f32, and bf16 read as 16-bit words against the f32 kernel over the widened weights),
 * and it never reads a stale weight: in-place updates (AdamW, a KV cache's strided copies, a pooled array
 * reused for a new tensor) are seen by the next product.
 */

const defaults = { ...gemvResidency };
afterEach(() => Object.assign(gemvResidency, defaults));

/** Small integers: every product and sum is exact, so any summation order gives the same result. */
const small = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => ((i * 7 + seed) % 9) - 4);
/** Values whose sums round: results depend on the summation order. */
const wavy = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + seed) * 1.7);

function expected(a: Float32Array, b: Float32Array, m: number, n: number, k: number, tB: boolean) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * (tB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

const operand = (
  data: Float32Array | Uint16Array,
  dtype: 'f32' | 'bf16',
  offset: number,
  transposed: boolean,
) => ({
  data,
  dtype,
  offset,
  transposed,
});
const storageOf = (data: Float32Array | Uint16Array, dtype: 'f32' | 'bf16'): CpuStorage => ({
  size: data.length,
  dtype,
  data,
});
const toBf16 = (values: Float32Array) => Uint16Array.from(values, (v) => f32ToBf16Bits(v));
const widen = (bits: Uint16Array) => Float32Array.from(bits, (h) => bf16BitsToF32(h));

function gemv(
  a: Float32Array,
  b: Float32Array | Uint16Array,
  dtype: 'f32' | 'bf16',
  m: number,
  n: number,
  k: number,
  transposed: boolean,
  offset: number,
  storage?: Storage,
): Float32Array {
  const c = new Float32Array(m * n + 3).fill(Number.NaN);
  expect(
    wasmGemv(operand(a, 'f32', 0, false), operand(b, dtype, offset, transposed), c, 3, m, n, k, storage),
  ).toBe(true);
  return c.subarray(3);
}

/**
 * The kernels' f32 arithmetic, step by step (the order of the GEMV before weights were made resident, kept so
 * that results did not change): gemv_n adds x[p]·B[p, j] into y[j] for p = 0, 1, …; gemv_t sums row j in two
 * 4-lane accumulators over blocks of 8, adds them, reduces the lanes pairwise, then adds the tail in order.
 */
function kernelOrder(x: Float32Array, b: Float32Array, n: number, k: number, transposed: boolean) {
  const f = Math.fround;
  const y = new Float32Array(n);
  if (!transposed) {
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) y[j] = f(y[j] + f(x[p] * b[p * n + j]));
    return y;
  }
  const k8 = k - (k % 8);
  for (let j = 0; j < n; j++) {
    const lanes = [0, 0, 0, 0];
    for (let l = 0; l < 4; l++) {
      let acc0 = 0;
      let acc1 = 0;
      for (let p = 0; p < k8; p += 8) {
        acc0 = f(acc0 + f(x[p + l] * b[j * k + p + l]));
        acc1 = f(acc1 + f(x[p + 4 + l] * b[j * k + p + 4 + l]));
      }
      lanes[l] = f(acc0 + acc1);
    }
    let s = f(f(lanes[0] + lanes[1]) + f(lanes[2] + lanes[3]));
    for (let p = k8; p < k; p++) s = f(s + f(x[p] * b[j * k + p]));
    y[j] = s;
  }
  return y;
}

// The Bᵀ kernels take rows four at a time, one from each quarter of B, and the n mod 4 rows left over one at a
// time: n < 4 never reaches the blocks, n = 5, 7, 9, 37, 130 leave rows over; k spans the 8-wide loop's tail.
const SIZES: [number, number, number][] = [
  [1, 1, 1],
  [1, 5, 3],
  [1, 37, 29],
  [3, 64, 100],
  [2, 130, 257],
  [7, 9, 1000],
  [2, 7, 1030],
  [1, 6, 2051],
];

describe('cpu GEMV with resident weights', () => {
  for (const [m, n, k] of SIZES) {
    for (const transposed of [false, true]) {
      it(`m=${m} n=${n} k=${k}${transposed ? ' Bᵀ' : ''}: exact on small integers, f32 and bf16`, () => {
        gemvResidency.minBytes = 0;
        const offset = 5;
        const a = small(m * k, 1);
        const values = small(offset + k * n, 2);
        const want = expected(a, values.subarray(offset), m, n, k, transposed);
        const f32 = values.slice();
        expect(gemv(a, f32, 'f32', m, n, k, transposed, offset, storageOf(f32, 'f32'))).toEqual(want);
        const bf16 = toBf16(values);
        expect(gemv(a, bf16, 'bf16', m, n, k, transposed, offset, storageOf(bf16, 'bf16'))).toEqual(want);
      });

      it(`m=1 n=${n} k=${k}${transposed ? ' Bᵀ' : ''}: the kernels' summation order, bit for bit`, () => {
        gemvResidency.minBytes = 0;
        const x = wavy(k, 5);
        const values = wavy(k * n, 6);
        const want = new Uint32Array(kernelOrder(x, values, n, k, transposed).buffer);
        const f32 = storageOf(values.slice(), 'f32');
        const got = gemv(x, f32.data as Float32Array, 'f32', 1, n, k, transposed, 0, f32);
        expect(new Uint32Array(got.slice().buffer)).toEqual(want);
        const bits = toBf16(values);
        const narrowWant = new Uint32Array(kernelOrder(x, widen(bits), n, k, transposed).buffer);
        const bf16 = storageOf(bits, 'bf16');
        const narrow = gemv(x, bits, 'bf16', 1, n, k, transposed, 0, bf16);
        expect(new Uint32Array(narrow.slice().buffer)).toEqual(narrowWant);
      });

      it(`m=${m} n=${n} k=${k}${transposed ? ' Bᵀ' : ''}: resident equals the per-call copy bit for bit`, () => {
        gemvResidency.minBytes = 0;
        const a = wavy(m * k, 3);
        const values = wavy(k * n + 2, 4);
        const streamed = gemv(a, values, 'f32', m, n, k, transposed, 2);
        const storage = storageOf(values.slice(), 'f32');
        const resident = gemv(a, storage.data as Float32Array, 'f32', m, n, k, transposed, 2, storage);
        expect(storage.data.buffer).not.toBe(values.buffer); // moved into the module
        expect(new Uint32Array(resident.slice().buffer)).toEqual(new Uint32Array(streamed.slice().buffer));
        // bf16 read as 16-bit words = the f32 kernel over the widened weights (today's bf16 path)
        const bits = toBf16(values);
        const overWidened = gemv(a, widen(bits), 'f32', m, n, k, transposed, 2);
        const narrowStreamed = gemv(a, bits, 'bf16', m, n, k, transposed, 2);
        const narrow = storageOf(bits.slice(), 'bf16');
        const narrowResident = gemv(a, narrow.data as Uint16Array, 'bf16', m, n, k, transposed, 2, narrow);
        for (const got of [narrowStreamed, narrowResident]) {
          expect(new Uint32Array(got.slice().buffer)).toEqual(new Uint32Array(overWidened.slice().buffer));
        }
      });
    }
  }

  it('several rows over an f32 Bᵀ (four per pass over B, the rest one at a time) equal one-row products bit for bit', () => {
    gemvResidency.minBytes = 0;
    const bits = (v: Float32Array) => Array.from(new Uint32Array(v.slice().buffer));
    for (const [m, n, k, batches] of [
      [2, 37, 29, 1],
      [4, 9, 1000, 1],
      [5, 130, 257, 1],
      [7, 64, 100, 1],
      [3, 8, 40, 3], // 9 rows of 3 products: a run of four never spans two products' B
      [6, 5, 17, 2],
    ] as const) {
      const a = wavy(batches * m * k, 8);
      const values = wavy(batches * n * k + 3, 9);
      const storage = storageOf(values.slice(), 'f32');
      const data = storage.data as Float32Array;
      const c = new Float32Array(batches * m * n);
      const batch = { count: batches, aStride: m * k, bStride: n * k };
      expect(
        wasmGemv(operand(a, 'f32', 0, false), operand(data, 'f32', 3, true), c, 0, m, n, k, storage, batch),
      ).toBe(true);
      for (let t = 0; t < batches; t++) {
        for (let i = 0; i < m; i++) {
          const row = a.subarray((t * m + i) * k, (t * m + i + 1) * k);
          const one = gemv(row, data, 'f32', 1, n, k, true, 3 + t * n * k, storage);
          const at = (t * m + i) * n;
          expect(bits(c.subarray(at, at + n)), `m=${m} n=${n} k=${k} product ${t} row ${i}`).toEqual(
            bits(one),
          );
        }
      }
    }
  });

  it('leaves storages below minBytes or beyond limitBytes where they are', () => {
    const data = small(64, 1);
    const storage = storageOf(data, 'f32');
    gemv(small(8, 2), data, 'f32', 1, 8, 8, false, 0, storage);
    expect(storage.data).toBe(data);
    gemvResidency.minBytes = 0;
    gemvResidency.limitBytes = gemvResidentBytes();
    gemv(small(8, 2), data, 'f32', 1, 8, 8, false, 0, storage);
    expect(storage.data).toBe(data);
  });
});

describe('cpu GEMV residency through tensors', () => {
  const backend = createCpuBackend();
  const on = { backend };
  const [n, k] = [96, 200]; // 76,800 bytes of f32 weights: above minBytes
  const fresh = (w: Tensor) => tensor(w.dataSync(), w.shape, on);
  const bitsOf = (t: Tensor) => new Uint32Array((t.dataSync() as Float32Array).buffer);

  it('an AdamW step in place is seen by the next product', () => {
    const w = tensor(wavy(n * k, 1), [n, k], { ...on, requiresGrad: true });
    const x = tensor(wavy(k, 2), [1, k], on);
    const before = matmul(x, w, { transposeB: true });
    const resident = gemvResidentBytes();
    expect(resident).toBeGreaterThanOrEqual(n * k * 4);
    matmul(x, w, { transposeB: true }).sum().backward();
    adamw([w], new AdamWState(), { lr: 0.1 });
    const after = matmul(x, w, { transposeB: true });
    const copy = fresh(w);
    const want = matmul(x, copy, { transposeB: true });
    expect(bitsOf(after)).toEqual(bitsOf(want));
    expect(bitsOf(after)).not.toEqual(bitsOf(before));
  });

  it('rows written with the backend copy (a KV cache) are seen, and a reused pooled array is current', () => {
    const cache = tensor(new Float32Array(n * k), [n, k], on);
    const q = tensor(wavy(k, 3), [1, k], on);
    matmul(q, cache, { transposeB: true }).dispose(); // makes the cache resident while all zero
    const row = tensor(wavy(k, 4), [1, k], on);
    backend.copy(
      { storage: row.storage, offset: 0, strides: [k, 1] },
      { storage: cache.storage, offset: 7 * k, strides: [k, 1] },
      [1, k],
    );
    const scores = matmul(q, cache, { transposeB: true });
    const want = matmul(q, fresh(cache), { transposeB: true });
    expect(bitsOf(scores)).toEqual(bitsOf(want));
    expect((scores.dataSync() as Float32Array)[7]).not.toBe(0);
    cache.dispose(); // its resident array goes back to the backend's pool ...
    const next = tensor(wavy(n * k, 5), [n, k], on); // ... and may hold this tensor's values now
    const got = matmul(q, next, { transposeB: true });
    const nextWant = matmul(q, fresh(next), { transposeB: true });
    expect(bitsOf(got)).toEqual(bitsOf(nextWant));
  });

  it('bf16 weights give the f32 product of their widened values bit for bit', () => {
    const w = cast(tensor(wavy(n * k, 6), [n, k], on), 'bf16');
    const x = tensor(wavy(3 * k, 7), [3, k], on);
    const got = matmul(x, w, { transposeB: true });
    const want = matmul(x, cast(w, 'f32'), { transposeB: true });
    expect(bitsOf(got)).toEqual(bitsOf(want));
  });
});

describe('cpu GEMV arena', () => {
  it('reuses released regions, merging neighbours, and gives the end back', () => {
    const arena = Arena.create(4 * 2 ** 20) as Arena;
    const [a, b, c] = [arena.allocate(1024), arena.allocate(2048), arena.allocate(512)] as number[];
    expect([b - a, c - b]).toEqual([1024, 2048]);
    arena.release(b, 2048);
    expect(arena.allocate(4096)).toBe(c + 512); // the hole is too small
    arena.release(a, 1024); // merges with b's hole
    expect(arena.allocate(3072)).toBe(a);
    arena.release(a, 3072);
    arena.release(c + 512, 4096);
    arena.release(c, 512); // everything free: the next region starts where the first did
    expect(arena.allocate(16)).toBe(a);
    expect(arena.allocate(4 * 2 ** 20)).toBeNull();
  });
});
