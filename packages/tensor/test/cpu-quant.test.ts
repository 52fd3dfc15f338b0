import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, MatmulParams } from '../src/backend.js';
import { gemvResidency } from '../src/backends/cpu/wasm/gemv.js';
import {
  abs,
  createCpuBackend,
  dequantize,
  gather,
  matmul,
  type QuantizedDType,
  quantize,
  type Tensor,
  tensor,
  zeros,
} from '../src/index.js';

/**
 * The CPU kernels over q8/q4 weights (WebAssembly GEMV and GEMM, gather) against dequantize-then-f64: the f64
 * reference backend holding the same packed bytes. Every product is checked to within f32 summation error,
 * relative to Σ|a·b| of its terms, which is orders of magnitude below what a wrong block, scale, minimum or
 * nibble costs. The decode GEMV x @ Wᵀ runs its f32 kernels here (quantizedActivations: 'f32'); its default,
 * x quantized to int8, is checked in cpu-quant-int8.test.ts.
 */

const cpu = createCpuBackend({ quantizedActivations: 'f32' });
const reference = createCpuBackend({ float64: true });
const defaults = { ...gemvResidency };
afterEach(() => Object.assign(gemvResidency, defaults));

/** Weight-like values with a different range per block (so per-block scales and minimums matter). */
const weights = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => {
    const block = Math.floor(i / 32);
    return Math.sin(i * 0.61 + seed) * (0.02 + ((block * 7 + seed) % 5) * 0.03) + ((block % 3) - 1) * 0.01;
  });
const activations = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => Math.cos(i * 0.37 + seed) * 1.3);

/**
 * backend.matmul over packed weights `bytes` (of `size` elements) on both backends, the CPU result checked
 * against the reference within the f32 summation bound of each output.
 */
function check(
  dtype: QuantizedDType,
  bytes: Uint8Array,
  size: number,
  x: Float32Array,
  p: MatmulParams,
): void {
  const run = (backend: Backend, absolute: boolean) => {
    const w = tensor(bytes, [size], { dtype, backend });
    const a = tensor(absolute ? x.map(Math.abs) : x, [x.length], { backend });
    const out = zeros([p.batch * p.m * p.n], { backend });
    const wf = absolute ? abs(w.cast('f32')) : w;
    backend.matmul(a.storage, wf.storage, out.storage, p);
    return Float64Array.from(out.dataSync());
  };
  const got = run(cpu, false);
  const want = run(reference, false);
  const magnitude = run(reference, true);
  const k = p.k;
  for (let i = 0; i < want.length; i++) {
    const bound = 2 * (k + 32) * 2 ** -24 * magnitude[i] + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= bound)) {
      throw new Error(`${dtype} output ${i}: got ${got[i]}, want ${want[i]} (bound ${bound})`);
    }
  }
}

const params = (m: number, n: number, k: number, transposeB: boolean, extra: Partial<MatmulParams> = {}) => ({
  batch: 1,
  m,
  n,
  k,
  transposeA: false,
  transposeB,
  aBatchStride: m * k,
  bBatchStride: 0,
  ...extra,
});

const schemes: QuantizedDType[] = ['q8', 'q4'];

describe.each(schemes)('cpu %s matmul', (dtype) => {
  // GEMV for m < 8, the GEMM from m = 8; k and n awkward multiples of 32 (and anything for the free side)
  const shapes: [number, number, number][] = [
    [1, 32, 32],
    [1, 96, 160],
    [2, 64, 1056],
    [3, 17, 224],
    [5, 160, 96],
    [7, 35, 64],
    [8, 96, 96],
    [13, 67, 320],
    [33, 160, 97],
    [9, 1100, 1024], // more than one band of B (2^20 values) through the GEMM
  ];
  for (const [m, n, k] of shapes) {
    it(`x @ Wᵀ m=${m} n=${n} k=${k}`, () => {
      const w = weights(n * k, m);
      check(dtype, quantize(w, dtype), n * k, activations(m * k, n), params(m, n, k, true));
    });
    const [kn, nn] = [n, k]; // x @ W needs n (W's stored rows) in whole blocks
    it(`x @ W m=${m} n=${nn} k=${kn}`, () => {
      const w = weights(kn * nn, m + 1);
      check(dtype, quantize(w, dtype), kn * nn, activations(m * kn, nn), params(m, nn, kn, false));
    });
  }

  it('resident and streamed weights give the same bits', () => {
    const [m, n, k] = [2, 64, 256];
    const bytes = quantize(weights(n * k, 9), dtype);
    const x = activations(m * k, 3);
    const bits = () => {
      const w = tensor(bytes, [n, k], { dtype, backend: cpu });
      const a = tensor(x, [m, k], { backend: cpu });
      return new Uint32Array((matmul(a, w, { transposeB: true }).dataSync() as Float32Array).buffer);
    };
    gemvResidency.limitBytes = 0;
    const streamed = bits();
    Object.assign(gemvResidency, defaults, { minBytes: 0 });
    expect(bits()).toEqual(streamed);
  });

  it('batched products over block-aligned slices (the absorbed MLA decode)', () => {
    // kv_b_proj [heads·(nope + v), latent]: per head, q_nope · W_UK (x @ W over its nope rows) and the attended
    // latents through W_UV (x @ Wᵀ over its v rows, read at an offset after the nope rows)
    const [heads, nope, v, latent] = [3, 40, 24, 96];
    const size = heads * (nope + v) * latent;
    const bytes = quantize(weights(size, 4), dtype);
    const perHead = (nope + v) * latent;
    for (const rows of [1, 3, 9]) {
      const absorbK = params(rows, latent, nope, false, { batch: heads, bBatchStride: perHead });
      check(dtype, bytes, size, activations(heads * rows * nope, rows), absorbK);
      const absorbV = params(rows, v, latent, true, {
        batch: heads,
        bBatchStride: perHead,
        bOffset: nope * latent,
      });
      check(dtype, bytes, size, activations(heads * rows * latent, rows + 1), absorbV);
    }
  });

  it('x @ Wᵀ at a block-aligned offset into the weight (a split projection)', () => {
    const [n, k] = [48, 128];
    const bytes = quantize(weights(2 * n * k, 5), dtype);
    for (const m of [1, 4, 12]) {
      check(dtype, bytes, 2 * n * k, activations(m * k, m), params(m, n, k, true, { bOffset: n * k }));
    }
  });

  it('gather dequantizes the requested rows', () => {
    const [rows, dim] = [37, 96];
    const bytes = quantize(weights(rows * dim, 6), dtype);
    const ids = [5, 0, 36, 5, 17];
    const rowsOf = (backend: Backend) => {
      const table = tensor(bytes, [rows, dim], { dtype, backend });
      return [...gather(table, tensor(new Int32Array(ids), [ids.length], { backend })).dataSync()];
    };
    const want = ids.flatMap((id) => [
      ...dequantize(bytes, dtype, rows * dim, id * dim, (id + 1) * dim, new Float64Array(dim)),
    ]);
    expect(rowsOf(cpu)).toEqual(want.map(Math.fround));
    expect(rowsOf(reference)).toEqual(want);
  });
});

/** The bf16 GEMM widens B in the module; the result equals the f32 GEMM over the widened weights, bit for bit. */
describe('cpu bf16 GEMM', () => {
  it.each([
    [9, 67, 33, true],
    [16, 300, 70, false],
    [40, 1030, 17, true],
    [8, 1100, 1024, true], // more than one band
    [12, 1100, 1024, false],
  ])('m=%i n=%i k=%i Bᵀ=%s', (m, n, k, transposeB) => {
    const w = tensor(weights(n * k, 2), transposeB ? [n, k] : [k, n], { backend: cpu }).cast('bf16');
    const x = tensor(activations(m * k, 1), [m, k], { backend: cpu });
    const bitsOf = (t: Tensor) => new Uint32Array((t.dataSync() as Float32Array).buffer);
    expect(bitsOf(matmul(x, w, { transposeB }))).toEqual(bitsOf(matmul(x, w.cast('f32'), { transposeB })));
  });
});
