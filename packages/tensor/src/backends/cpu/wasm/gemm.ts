import { decode16, heap, instantiate, type MatrixOperand } from './loader.js';
import { matmulWasmBase64 } from './matmul-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat). Each operand is copied into the module's memory with one
 * memcpy (f16/bf16 B decoded on the way), and the module's packers lay it out for the kernel: A as rows
 * of k (transposed by 4x4 blocks when stored [k, m]), B as 8-column panels. The kernel runs over
 * m/k blocks and C is copied out. Padding rows and columns are left holding whatever the staging area
 * had: they only feed rows and columns of C that are never copied out. Returns false where WebAssembly
 * SIMD is unavailable so the caller falls back to the TypeScript kernel.
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

interface GemmModule {
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
  // float offsets: packed A [m4][lda], B panels [n8/8][k4][8], C [m4][n8], then the staging area, which
  // the packers may read up to a 4x4 block (A, Bᵀ) or 8 floats (B rows) past the staged matrix
  const aBase = 0;
  const bBase = aBase + m4 * lda;
  const cBase = bBase + n8 * k4;
  const stage = cBase + m4 * n8;
  const mem = heap(mod.memory, stage + Math.max(k4 * m4, n8 * k4) + 8);
  if (a.transposed) {
    mem.set((a.data as Float32Array).subarray(a.offset, a.offset + k * m), stage);
    mod.transpose(stage * 4, aBase * 4, k4, m4, m * 4, lda * 4);
  } else {
    mem.set((a.data as Float32Array).subarray(a.offset, a.offset + m * k), aBase);
  }
  stageB(b, mem, stage, k * n);
  const panelStride = k4 * 8;
  if (b.transposed) {
    // stored Bᵀ [n, k]: 8 of its rows become one panel's 8 columns
    for (let j = 0; j < n8; j += 8)
      mod.transpose((stage + j * k) * 4, (bBase + j * k4) * 4, 8, k4, k * 4, 32);
  } else {
    mod.pack_rows(stage * 4, bBase * 4, k, n8, n * 4, panelStride * 4);
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

/** mem[at..] = the `size` elements of B as stored, as f32. */
function stageB(b: MatrixOperand, mem: Float32Array, at: number, size: number): void {
  if (b.data instanceof Float32Array) mem.set(b.data.subarray(b.offset, b.offset + size), at);
  else decode16(b.data, b.offset, size, b.dtype as 'f16' | 'bf16', mem.subarray(at, at + size));
}
