import { heap, instantiate, type MatrixOperand } from './loader.js';
import { matmulWasmBase64 } from './matmul-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat): copies A (rows padded to 4) and packs B into 8-column
 * panels inside the module's memory, runs the kernel, and copies C out. Returns false where WebAssembly
 * SIMD is unavailable so the caller falls back to the TypeScript kernel.
 */

interface GemmModule {
  gemm: (a: number, b: number, c: number, m: number, n: number, k: number) => void;
}

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
  mod.gemm(aBase * 4, bBase * 4, cBase * 4, m4, n8, k);
  for (let i = 0; i < m; i++) {
    const row = cBase + i * n8;
    c.set(mem.subarray(row, row + n), cOffset + i * n);
  }
  return true;
}

function packA(a: MatrixOperand, mem: Float32Array, base: number, m: number, m4: number, k: number): void {
  const src = a.data;
  if (a.transposed) {
    for (let p = 0; p < k; p++) {
      const from = a.offset + p * m;
      for (let i = 0; i < m; i++) mem[base + i * k + p] = src[from + i];
    }
  } else {
    mem.set(src.subarray(a.offset, a.offset + m * k), base);
  }
  mem.fill(0, base + m * k, base + m4 * k);
}

function packB(b: MatrixOperand, mem: Float32Array, base: number, n: number, n8: number, k: number): void {
  const src = b.data;
  for (let j = 0; j < n8; j++) {
    const panel = base + (j >> 3) * k * 8 + (j & 7);
    if (j >= n) {
      for (let p = 0; p < k; p++) mem[panel + p * 8] = 0;
    } else if (b.transposed) {
      const from = b.offset + j * k;
      for (let p = 0; p < k; p++) mem[panel + p * 8] = src[from + p];
    } else {
      for (let p = 0; p < k; p++) mem[panel + p * 8] = src[b.offset + p * n + j];
    }
  }
}
