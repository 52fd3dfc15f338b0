import type { MatmulParams, Storage } from '../../../backend.js';
import { type FloatArray, floats, raw } from '../storage.js';
import { wasmGemm } from '../wasm/gemm.js';
import { wasmGemv } from '../wasm/gemv.js';
import type { MatrixOperand } from '../wasm/loader.js';
import { toFloatArray } from './cast.js';

/**
 * f32 matmul runs WebAssembly SIMD kernels: ../wasm/matmul.wat for m >= 8, ../wasm/gemv.wat for decode
 * sizes, with B in f32, f16, bf16, or q8/q4 (read packed: gemv-q8.wat / gemv-q4.wat dequantize in registers,
 * the GEMM unpacks a band of B at a time with unpack.wat; the decode x @ Wᵀ takes gemv-qdot.wat's integer dot
 * products with x quantized to int8 unless `activations` is 'f32'). Where those do not apply (no SIMD, a
 * transposed multi-row A of few rows) and in the f64 reference mode, a blocked TypeScript kernel: the general path packs A as [m, k] and B as Bᵀ [n, k] rows so that
 * every output is a dot product of two contiguous rows, and computes 4x4 output tiles with 16 register
 * accumulators (8 loads per 16 multiply-adds). Small m (decode GEMV) with B [k, n] skips packing and runs
 * row-axpy loops instead, which stream B once.
 */
export function matmul(
  a: Storage,
  b: Storage,
  out: Storage,
  p: MatmulParams,
  activations: 'int8' | 'f32' = 'int8',
): void {
  const A = floats(a);
  const C = floats(out);
  const { m, n, k } = p;
  const wasm = A instanceof Float32Array && C instanceof Float32Array;
  let B: FloatArray | null = null; // narrow and quantized weights are decoded only if the TypeScript path needs them
  const make = (size: number): FloatArray =>
    A instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);
  let packedB: FloatArray | null = null;
  const operands = (aOff: number, bOff: number) =>
    [
      { data: A as Float32Array, dtype: 'f32' as const, offset: aOff, transposed: p.transposeA },
      {
        data: raw(b) as Float32Array | Uint16Array | Uint8Array,
        dtype: b.dtype as MatrixOperand['dtype'],
        offset: bOff,
        transposed: p.transposeB,
        size: b.size,
      },
    ] as const;
  if (wasm && m < 8) {
    const batch = { count: p.batch, aStride: p.aBatchStride, bStride: p.bBatchStride };
    const [aOperand, bOperand] = operands(p.aOffset ?? 0, p.bOffset ?? 0);
    if (wasmGemv(aOperand, bOperand, C as Float32Array, 0, m, n, k, b, batch, activations)) return;
  }
  for (let batch = 0; batch < p.batch; batch++) {
    const aOff = (p.aOffset ?? 0) + batch * p.aBatchStride;
    const bOff = (p.bOffset ?? 0) + batch * p.bBatchStride;
    const cOff = batch * m * n;
    if (wasm && m >= 8 && wasmGemm(...operands(aOff, bOff), C as Float32Array, cOff, m, n, k)) continue;
    // the reference path decodes a narrow or quantized B once per call
    B ??= b.dtype === 'f32' ? floats(b) : toFloatArray(b);
    const Ap = p.transposeA ? transpose(A, aOff, k, m, make(m * k)) : A.subarray(aOff, aOff + m * k);
    if (!p.transposeB && m < 8) {
      rowAxpy(Ap, B.subarray(bOff, bOff + k * n), C, cOff, m, n, k);
      continue;
    }
    let Bt: FloatArray;
    if (p.transposeB) Bt = B.subarray(bOff, bOff + n * k);
    else if (packedB && p.bBatchStride === 0) Bt = packedB;
    else Bt = packedB = transpose(B, bOff, k, n, packedB ?? make(n * k));
    dotTiles(Ap, Bt, C, cOff, m, n, k);
  }
}

/** dst [cols, rows] = src[off..] viewed as [rows, cols], transposed. */
function transpose(src: FloatArray, off: number, rows: number, cols: number, dst: FloatArray): FloatArray {
  for (let r = 0; r < rows; r++) {
    const base = off + r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[base + c];
  }
  return dst;
}

function rowAxpy(A: FloatArray, B: FloatArray, C: FloatArray, cOff: number, m: number, n: number, k: number) {
  for (let i = 0; i < m; i++) {
    const row = cOff + i * n;
    C.fill(0, row, row + n);
    for (let q = 0; q < k; q++) {
      const aiq = A[i * k + q];
      if (aiq === 0) continue;
      const bRow = q * n;
      for (let j = 0; j < n; j++) C[row + j] += aiq * B[bRow + j];
    }
  }
}

function dot(A: FloatArray, ai: number, B: FloatArray, bj: number, k: number): number {
  let s0 = 0;
  let s1 = 0;
  let q = 0;
  for (; q + 1 < k; q += 2) {
    s0 += A[ai + q] * B[bj + q];
    s1 += A[ai + q + 1] * B[bj + q + 1];
  }
  if (q < k) s0 += A[ai + q] * B[bj + q];
  return s0 + s1;
}

function dotTiles(
  A: FloatArray,
  Bt: FloatArray,
  C: FloatArray,
  cOff: number,
  m: number,
  n: number,
  k: number,
) {
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  for (let j = 0; j < n4; j += 4) {
    const b0 = j * k;
    const b1 = b0 + k;
    const b2 = b1 + k;
    const b3 = b2 + k;
    for (let i = 0; i < m4; i += 4) {
      const a0 = i * k;
      const a1 = a0 + k;
      const a2 = a1 + k;
      const a3 = a2 + k;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // biome-ignore format: tile
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0,
        c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let q = 0; q < k; q++) {
        const x0 = A[a0 + q];
        const x1 = A[a1 + q];
        const x2 = A[a2 + q];
        const x3 = A[a3 + q];
        const y0 = Bt[b0 + q];
        const y1 = Bt[b1 + q];
        const y2 = Bt[b2 + q];
        const y3 = Bt[b3 + q];
        c00 += x0 * y0;
        c01 += x0 * y1;
        c02 += x0 * y2;
        c03 += x0 * y3; // biome-ignore format: tile
        c10 += x1 * y0;
        c11 += x1 * y1;
        c12 += x1 * y2;
        c13 += x1 * y3;
        c20 += x2 * y0;
        c21 += x2 * y1;
        c22 += x2 * y2;
        c23 += x2 * y3;
        c30 += x3 * y0;
        c31 += x3 * y1;
        c32 += x3 * y2;
        c33 += x3 * y3;
      }
      const r0 = cOff + i * n + j;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      C[r0] = c00;
      C[r0 + 1] = c01;
      C[r0 + 2] = c02;
      C[r0 + 3] = c03; // biome-ignore format: tile
      C[r1] = c10;
      C[r1 + 1] = c11;
      C[r1 + 2] = c12;
      C[r1 + 3] = c13;
      C[r2] = c20;
      C[r2 + 1] = c21;
      C[r2 + 2] = c22;
      C[r2 + 3] = c23;
      C[r3] = c30;
      C[r3 + 1] = c31;
      C[r3 + 2] = c32;
      C[r3 + 3] = c33;
    }
    for (let i = m4; i < m; i++) {
      for (let jj = j; jj < j + 4; jj++) C[cOff + i * n + jj] = dot(A, i * k, Bt, jj * k, k);
    }
  }
  for (let i = 0; i < m; i++) {
    for (let j = n4; j < n; j++) C[cOff + i * n + j] = dot(A, i * k, Bt, j * k, k);
  }
}
