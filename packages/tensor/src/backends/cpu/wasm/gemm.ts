import { heap, instantiate, type MatrixOperand, rowReader } from './loader.js';
import { matmulWasmBase64 } from './matmul-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat): copies A (rows padded to 4) and packs B into 8-column
 * panels inside the module's memory, runs the kernel, and copies C out. Returns false where WebAssembly
 * SIMD is unavailable so the caller falls back to the TypeScript kernel.
 */

interface GemmModule {
  gemm: (
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
}

const M_BLOCK = 64;
const K_BLOCK = 256;

let loaded: ReturnType<typeof instantiate<GemmModule>> | undefined;

/** C[cOffset..] ([m, n]) = op(A) [m, k] · op(B) [k, n] in f32; false when wasm is unavailable. */
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
  const m4 = Math.ceil(m / 4) * 4;
  const n8 = Math.ceil(n / 8) * 8;
  const aBase = 0;
  const bBase = m4 * k;
  const cBase = bBase + n8 * k;
  const mem = heap(mod.memory, cBase + m4 * n8);
  packA(a, mem, aBase, m, m4, k);
  packB(b, mem, bBase, n, n8, k);
  // GotoBLAS-style blocking: an A block of M_BLOCK rows x K_BLOCK stays in L2 while each 8-column B
  // panel slice (K_BLOCK x 8) sits in L1; k blocks after the first accumulate into C.
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const kc = Math.min(K_BLOCK, k - p0);
    for (let i0 = 0; i0 < m4; i0 += M_BLOCK) {
      const mc = Math.min(M_BLOCK, m4 - i0);
      const a0 = (aBase + i0 * k + p0) * 4;
      const b0 = (bBase + p0 * 8) * 4;
      mod.gemm(a0, b0, (cBase + i0 * n8) * 4, mc, n8, kc, k * 4, k * 32, p0 > 0 ? 1 : 0);
    }
  }
  for (let i = 0; i < m; i++) {
    const row = cBase + i * n8;
    c.set(mem.subarray(row, row + n), cOffset + i * n);
  }
  return true;
}

function packA(a: MatrixOperand, mem: Float32Array, base: number, m: number, m4: number, k: number): void {
  if (a.transposed) {
    const column = rowReader(a, m);
    for (let p = 0; p < k; p++) {
      const values = column(a.offset + p * m);
      for (let i = 0; i < m; i++) mem[base + i * k + p] = values[i];
    }
  } else {
    const row = rowReader(a, k);
    for (let i = 0; i < m; i++) mem.set(row(a.offset + i * k), base + i * k);
  }
  mem.fill(0, base + m * k, base + m4 * k);
}

function packB(b: MatrixOperand, mem: Float32Array, base: number, n: number, n8: number, k: number): void {
  if (b.transposed) {
    // rows of stored B are columns of op(B): each is read contiguously into its panel slot
    const row = rowReader(b, k);
    for (let j = 0; j < n; j++) {
      const panel = base + (j >> 3) * k * 8 + (j & 7);
      const values = row(b.offset + j * k);
      for (let p = 0; p < k; p++) mem[panel + p * 8] = values[p];
    }
  } else {
    // walk B row by row (contiguous reads); each row scatters into 8-float groups of every panel
    const row = rowReader(b, n);
    for (let p = 0; p < k; p++) {
      const values = row(b.offset + p * n);
      for (let j = 0; j < n; j++) mem[base + (j >> 3) * k * 8 + p * 8 + (j & 7)] = values[j];
    }
  }
  for (let j = n; j < n8; j++) {
    const panel = base + (j >> 3) * k * 8 + (j & 7);
    for (let p = 0; p < k; p++) mem[panel + p * 8] = 0;
  }
}
