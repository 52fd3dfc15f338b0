import { gemvWasmBase64 } from './gemv-wasm.js';
import { heap, instantiate, type MatrixOperand } from './loader.js';

/**
 * Decode-sized products (m < 8) with the WebAssembly SIMD matrix-vector kernels (see gemv.wat): B is
 * copied into the module once per call and each row of A is one GEMV. op(A) must not be transposed
 * unless m = 1 (a [k, 1] column is also a row).
 */
interface GemvModule {
  gemv_n: (x: number, b: number, y: number, k: number, n: number) => void;
  gemv_t: (x: number, b: number, y: number, k: number, n: number) => void;
}

let loaded: ReturnType<typeof instantiate<GemvModule>> | undefined;

/** C[cOffset..] ([m, n]) = A [m, k] · op(B); false when wasm is unavailable. */
export function wasmGemv(
  a: MatrixOperand,
  b: MatrixOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
): boolean {
  loaded ??= instantiate<GemvModule>(gemvWasmBase64);
  const mod = loaded;
  if (!mod || (a.transposed && m > 1)) return false;
  const xBase = 0;
  const bBase = k;
  const yBase = bBase + k * n;
  const mem = heap(mod.memory, yBase + n);
  mem.set(b.data.subarray(b.offset, b.offset + k * n), bBase);
  const kernel = b.transposed ? mod.gemv_t : mod.gemv_n;
  for (let i = 0; i < m; i++) {
    const row = a.offset + i * k;
    mem.set(a.data.subarray(row, row + k), xBase);
    kernel(xBase * 4, bBase * 4, yBase * 4, k, n);
    c.set(mem.subarray(yBase, yBase + n), cOffset + i * n);
  }
  return true;
}
