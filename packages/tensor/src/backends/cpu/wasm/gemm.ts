import { decode16, heap, instantiate, type MatrixOperand } from './loader.js';
import { matmulWasmBase64 } from './matmul-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat). Operands are copied into the module's memory by memcpy
 * (f16/bf16 B decoded on the way), in bands of rows through a bounded staging area, and the module's
 * packers lay them out for the kernel: A as rows of k (transposed by 4x4 blocks when stored [k, m]), B as
 * 8-column panels. The kernel runs over m/k blocks and C is copied out. Padding rows and columns are left
 * holding whatever the memory had: they only feed rows and columns of C that are never copied out.
 * Returns false where WebAssembly SIMD is unavailable so the caller falls back to the TypeScript kernel.
 */

type Gemm = (
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  lda: number,
  panelStride: number,
  accumulate: number,
) => void;

/** The exports of matmul.wat: the GEMM block kernel and its packers (pointers and strides in bytes). */
export interface GemmModule {
  /** C (+)= A·B on one block. */
  gemm: Gemm;
  transpose: (
    src: number,
    dst: number,
    rows: number,
    cols: number,
    srcStride: number,
    dstStride: number,
  ) => void;
  pack_rows: (
    src: number,
    dst: number,
    k: number,
    n8: number,
    srcStride: number,
    panelStride: number,
  ) => void;
}

const M_BLOCK = 64;
const K_BLOCK = 512;
/** Floats of the staging area (4 MiB): large operands pass through it in bands. */
const STAGE_FLOATS = 1 << 20;

let loaded: ReturnType<typeof instantiate<GemmModule>> | undefined;

const roundUp = (x: number, multiple: number) => Math.ceil(x / multiple) * multiple;

/** C[cOffset..] ([m, n]) = op(A) [m, k] · op(B) [k, n] in f32 (A f32); false when wasm is unavailable. */
export function wasmGemm(
  a: MatrixOperand,
  b: MatrixOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
): boolean {
  loaded ??= instantiate<GemmModule>(matmulWasmBase64);
  const mod = loaded;
  if (!mod) return false;
  const m4 = roundUp(m, 4);
  const n8 = roundUp(n, 8);
  const k4 = roundUp(k, 4);
  const lda = a.transposed ? k4 : k;
  // float offsets: packed A [m4][lda], B panels [n8/8][k4][8], C [m4][n8], then the staging area:
  // operands are staged a band of rows at a time (at least 4 rows of A, 8 of Bᵀ, 1 of B), with room
  // for the packers to read up to a 4x4 block or 8 floats past the staged rows
  const aBase = 0;
  const bBase = aBase + m4 * lda;
  const cBase = bBase + n8 * k4;
  const stage = cBase + m4 * n8;
  const stageFloats = Math.max(STAGE_FLOATS, 4 * m, 8 * k, n);
  const mem = heap(mod.memory, stage + stageFloats + 8);
  const panelStride = k4 * 8;
  if (a.transposed) {
    // stored Aᵀ [k, m]: bands of its rows become column bands of packed A
    const band = Math.floor(stageFloats / m / 4) * 4;
    for (let p0 = 0; p0 < k4; p0 += band) {
      const rows = Math.min(band, k4 - p0);
      const from = a.offset + p0 * m;
      mem.set((a.data as Float32Array).subarray(from, from + Math.min(rows, k - p0) * m), stage);
      mod.transpose(stage * 4, (aBase + p0) * 4, rows, m4, m * 4, lda * 4);
    }
  } else {
    mem.set((a.data as Float32Array).subarray(a.offset, a.offset + m * k), aBase);
  }
  if (b.transposed) {
    // stored Bᵀ [n, k]: 8 of its rows become one panel's 8 columns
    const band = Math.floor(stageFloats / k / 8) * 8;
    for (let j0 = 0; j0 < n8; j0 += band) {
      stageB(b, mem, stage, j0 * k, Math.min(band, n - j0) * k);
      for (let j = j0; j < Math.min(n8, j0 + band); j += 8) {
        mod.transpose((stage + (j - j0) * k) * 4, (bBase + j * k4) * 4, 8, k4, k * 4, 32);
      }
    }
  } else {
    // B [k, n]: a band of rows fills the same rows of every panel
    const band = Math.floor(stageFloats / n);
    for (let p0 = 0; p0 < k; p0 += band) {
      const rows = Math.min(band, k - p0);
      stageB(b, mem, stage, p0 * n, rows * n);
      mod.pack_rows(stage * 4, (bBase + p0 * 8) * 4, rows, n8, n * 4, panelStride * 4);
    }
  }
  // GotoBLAS-style blocking: an A block of M_BLOCK rows x K_BLOCK stays in L2 while each 8-column B
  // panel slice (K_BLOCK x 8) sits in L1; k blocks after the first accumulate into C.
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const kc = Math.min(K_BLOCK, k - p0);
    for (let i0 = 0; i0 < m4; i0 += M_BLOCK) {
      const mc = Math.min(M_BLOCK, m4 - i0);
      const a0 = (aBase + i0 * lda + p0) * 4;
      const b0 = (bBase + p0 * 8) * 4;
      mod.gemm(a0, b0, (cBase + i0 * n8) * 4, mc, n8, kc, lda * 4, panelStride * 4, p0 > 0 ? 1 : 0);
    }
  }
  if (n === n8) {
    c.set(mem.subarray(cBase, cBase + m * n), cOffset);
  } else {
    for (let i = 0; i < m; i++) c.set(mem.subarray(cBase + i * n8, cBase + i * n8 + n), cOffset + i * n);
  }
  return true;
}

/** mem[at..] = `size` elements of B as stored from element `start` of the matrix, as f32. */
function stageB(b: MatrixOperand, mem: Float32Array, at: number, start: number, size: number): void {
  const from = b.offset + start;
  if (b.data instanceof Float32Array) mem.set(b.data.subarray(from, from + size), at);
  else decode16(b.data, from, size, b.dtype as 'f16' | 'bf16', mem.subarray(at, at + size));
}
