import { afterEach, describe, expect, it } from 'vitest';
import type { MatmulParams } from '../src/backend.js';
import { gemvResidency } from '../src/backends/cpu/wasm/gemv.js';
import { f16BitsToF32 } from '../src/dtype.js';
import {
  createCpuBackend,
  dequantize,
  matmul,
  type QuantizedDType,
  quantize,
  quantLayout,
  tensor,
  zeros,
} from '../src/index.js';

/**
 * The decode GEMV x @ Wᵀ over q8/q4 weights with x quantized to int8 per block of 32 and integer dot products
 * (gemv-qdot.wat; the CPU backend's default, quantizedActivations: 'int8'), against two references:
 * - exact: x quantized the kernel's way here (d = max|x|/127 and codes rounded half to even, in f32), then
 *   Σ_b fl(d_w·d_x)·Σ q·code + m_w·Σx in f64. Only f32 summation error separates the kernel from it:
 *   (k/32 + 40)·2^-24 of the magnitude of the terms, far below one code off by one at the small k tested.
 * - dequantize-then-f64 (the f32 kernels' reference, cpu-quant.test.ts): each element of x is moved by at most
 *   half its block's step d_x/2 = max|x|/254, so an output may move by Σ_i |d_w·q_i|·d_x/2 (plus the summation
 *   bound). That bound is the test; the error seen is far below it (errors of opposite signs cancel).
 */

const cpu = createCpuBackend();
afterEach(() => {
  gemvResidency.minBytes = 4096;
});

const weights = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => {
    const block = Math.floor(i / 32);
    return Math.sin(i * 0.61 + seed) * (0.02 + ((block * 7 + seed) % 5) * 0.03) + ((block % 3) - 1) * 0.01;
  });
/** Activations with blocks of very different ranges, one block of zeros (d_x = 0) and exact halves of a step. */
const activations = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => {
    const block = Math.floor(i / 32);
    if (block % 7 === 3) return 0;
    if (block % 5 === 1) return [127, -63.5, 0.5, 2.5][i % 4] * 2 ** -6;
    return Math.fround(Math.cos(i * 0.37 + seed) * 1.3 * 10 ** ((block % 4) - 2));
  });

const roundHalfEven = (v: number) => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** x quantized as quantize_x8 does it: per block the f32 step d and the codes. */
function quantizeX(x: Float32Array): { d: number[]; codes: Int32Array } {
  const d: number[] = [];
  const codes = new Int32Array(x.length);
  for (let b = 0; b < x.length / 32; b++) {
    let amax = 0;
    for (let i = b * 32; i < b * 32 + 32; i++) amax = Math.max(amax, Math.abs(x[i]));
    const step = Math.fround(amax / 127);
    const inv = step === 0 ? 0 : Math.fround(1 / step);
    for (let i = b * 32; i < b * 32 + 32; i++) codes[i] = roundHalfEven(Math.fround(x[i] * inv));
    d.push(step);
  }
  return { d, codes };
}

/** The weight's codes, scales and minimums (0 for q8) of a storage of `size` elements. */
function codesOf(bytes: Uint8Array, dtype: QuantizedDType, size: number) {
  const layout = quantLayout(size, dtype);
  const halves = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    if (dtype === 'q8') q[i] = (bytes[i] << 24) >> 24;
    else {
      const byte = bytes[Math.floor(i / 32) * 16 + (i % 16)];
      q[i] = i % 32 < 16 ? byte & 15 : byte >> 4;
    }
  }
  const half = (plane: number, b: number) =>
    plane < 0 ? 0 : f16BitsToF32(halves.getUint16(plane + 2 * b, true));
  return { q, d: (b: number) => half(layout.scales, b), m: (b: number) => half(layout.mins, b) };
}

function check(dtype: QuantizedDType, n: number, k: number, m: number, extra: Partial<MatmulParams> = {}) {
  const p: MatmulParams = {
    batch: 1,
    m,
    n,
    k,
    transposeA: false,
    transposeB: true,
    aBatchStride: m * k,
    bBatchStride: 0,
    ...extra,
  };
  const size = (p.bOffset ?? 0) + (p.batch - 1) * p.bBatchStride + n * k;
  const bytes = quantize(weights(size, n + k), dtype);
  const x = activations(p.batch * m * k, m + k);
  const w = tensor(bytes, [size], { dtype, backend: cpu });
  const out = zeros([p.batch * m * n], { backend: cpu });
  cpu.matmul(tensor(x, [x.length], { backend: cpu }).storage, w.storage, out.storage, p);
  const got = out.dataSync();
  const codes = codesOf(bytes, dtype, size);
  const dequantized = dequantize(bytes, dtype, size, 0, size, new Float64Array(size));
  for (let t = 0; t < p.batch; t++) {
    for (let r = 0; r < m; r++) {
      const row = x.subarray((t * m + r) * k, (t * m + r + 1) * k);
      const xq = quantizeX(row);
      for (let j = 0; j < n; j++) {
        const at = (p.bOffset ?? 0) + t * p.bBatchStride + j * k;
        let [exact, magnitude, plain, plainMagnitude, moved] = [0, 0, 0, 0, 0];
        for (let b = 0; b < k / 32; b++) {
          const block = (at + b * 32) / 32;
          const scale = Math.fround(codes.d(block) * xq.d[b]);
          const [dw, mw] = [codes.d(block), codes.m(block)];
          for (let i = b * 32; i < b * 32 + 32; i++) {
            const qw = codes.q[at + i];
            exact += scale * qw * xq.codes[i] + mw * row[i];
            magnitude += Math.abs(scale * qw * xq.codes[i]) + Math.abs(mw * row[i]);
            plain += dequantized[at + i] * row[i];
            plainMagnitude += Math.abs(dequantized[at + i] * row[i]);
            moved += Math.abs(dw * qw) * (xq.d[b] / 2);
          }
        }
        const value = got[(t * m + r) * n + j];
        const exactBound = (k / 32 + 40) * 2 ** -24 * magnitude + 1e-30;
        const where = `${dtype} n=${n} k=${k} product ${t} row ${r} column ${j}: got ${value}`;
        if (!(Math.abs(value - exact) <= exactBound)) throw new Error(`${where}, exact ${exact}`);
        const bound = moved * (1 + 2 ** -10) + 2 * (k + 32) * 2 ** -24 * plainMagnitude + 1e-30;
        if (!(Math.abs(value - plain) <= bound)) throw new Error(`${where}, dequantized ${plain}`);
      }
    }
  }
}

describe.each(['q8', 'q4'] as const)('cpu %s x @ Wᵀ with int8 activations', (dtype) => {
  it.each([
    [1, 32, 32],
    [1, 96, 160],
    [2, 64, 1056],
    [3, 17, 224],
    [7, 35, 2048],
  ])('m=%i n=%i k=%i', (m, n, k) => check(dtype, n, k, m));

  it('batched and at a block-aligned offset (the absorbed MLA decode, a split projection)', () => {
    check(dtype, 24, 96, 3, { batch: 3, bBatchStride: 64 * 96, bOffset: 40 * 96 });
    check(dtype, 48, 128, 1, { bOffset: 48 * 128 });
  });

  it('streamed weights give the resident result bit for bit', () => {
    const [n, k] = [64, 256];
    const bytes = quantize(weights(n * k, 9), dtype);
    const x = tensor(activations(2 * k, 3), [2, k], { backend: cpu });
    const bits = () => {
      const w = tensor(bytes, [n, k], { dtype, backend: cpu });
      return [...new Uint32Array((matmul(x, w, { transposeB: true }).dataSync() as Float32Array).buffer)];
    };
    gemvResidency.minBytes = Number.POSITIVE_INFINITY;
    const streamed = bits();
    gemvResidency.minBytes = 0;
    expect(bits()).toEqual(streamed);
  });

  it("is the default, and quantizedActivations: 'f32' takes the f32 kernels", () => {
    const [n, k] = [32, 64];
    const bytes = quantize(weights(n * k, 2), dtype);
    const x = activations(k, 1).map((v, i) => v + i * 1e-3);
    const y = (backend: typeof cpu) => {
      const w = tensor(bytes, [n, k], { dtype, backend });
      return [...matmul(tensor(x, [1, k], { backend }), w, { transposeB: true }).dataSync()];
    };
    const f32 = createCpuBackend({ quantizedActivations: 'f32' });
    expect(y(createCpuBackend({ quantizedActivations: 'int8' }))).toEqual(y(cpu));
    expect(y(f32)).not.toEqual(y(cpu));
  });
});
