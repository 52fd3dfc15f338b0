import { gemvWasmBase64 } from './gemv-wasm.js';
import { decode16, heap, instantiate, type MatrixOperand, rowReader } from './loader.js';

/**
 * Decode-sized products (m < 8) with the WebAssembly SIMD matrix-vector kernels (see gemv.wat): B is
 * copied into the module once per call and each row of A is one GEMV. op(A) must not be transposed
 * unless m = 1 (a [k, 1] column is also a row).
 */
interface GemvModule {
  gemv_n: (x: number, b: number, y: number, k: number, n: number) => void;
  gemv_t: (x: number, b: number, y: number, k: number, n: number) => void;
  widen_bf16: (src: number, dst: number, count: number) => void;
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
  const size = k * n;
  const xBase = 0;
  const bBase = k;
  const yBase = bBase + size + 8; // B may be widened in blocks of 8
  const rawBase = yBase + n; // bf16 bits staging area (f32 units)
  const mem = heap(mod.memory, rawBase + Math.ceil(size / 2) + 8);
  const bData = b.data;
  if (bData instanceof Float32Array) {
    mem.set(bData.subarray(b.offset, b.offset + size), bBase);
  } else if (b.dtype === 'bf16') {
    new Uint16Array(mem.buffer, rawBase * 4, size).set(bData.subarray(b.offset, b.offset + size));
    mod.widen_bf16(rawBase * 4, bBase * 4, Math.ceil(size / 8) * 8);
  } else {
    decode16(bData, b.offset, size, 'f16', mem.subarray(bBase, bBase + size));
  }
  const kernel = b.transposed ? mod.gemv_t : mod.gemv_n;
  const readRow = rowReader(a, k);
  for (let i = 0; i < m; i++) {
    const row = a.offset + i * k;
    mem.set(readRow(row), xBase);
    kernel(xBase * 4, bBase * 4, yBase * 4, k, n);
    c.set(mem.subarray(yBase, yBase + n), cOffset + i * n);
  }
  return true;
}
