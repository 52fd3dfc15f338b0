import { matmulWasmBase64 } from './matmul-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat): copies A (rows padded to 4) and packs B into 8-column
 * panels inside the module's memory, runs the kernel, and copies C out. Returns false where WebAssembly
 * SIMD is unavailable so the caller falls back to the TypeScript kernel.
 */

interface GemmModule {
  memory: WebAssembly.Memory;
  gemm: (a: number, b: number, c: number, m: number, n: number, k: number) => void;
}

let loaded: GemmModule | null | undefined;

function load(): GemmModule | null {
  if (loaded !== undefined) return loaded;
  try {
    const bytes = Uint8Array.from(atob(matmulWasmBase64), (ch) => ch.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    loaded = instance.exports as unknown as GemmModule;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Float32 view of the module memory with at least `floats` elements (grows it as needed). */
function heap(mod: GemmModule, floats: number): Float32Array {
  const need = floats * 4 - mod.memory.buffer.byteLength;
  if (need > 0) mod.memory.grow(Math.ceil(need / 65536));
  return new Float32Array(mod.memory.buffer);
}

export interface GemmOperand {
  data: Float32Array;
  offset: number;
  transposed: boolean;
}

/** C[cOffset..] ([m, n]) = op(A) [m, k] · op(B) [k, n] in f32; false when wasm is unavailable. */
export function wasmGemm(
  a: GemmOperand,
  b: GemmOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
): boolean {
  const mod = load();
  if (!mod) return false;
  const m4 = Math.ceil(m / 4) * 4;
  const n8 = Math.ceil(n / 8) * 8;
  const aBase = 0;
  const bBase = m4 * k;
  const cBase = bBase + n8 * k;
  const mem = heap(mod, cBase + m4 * n8);
  packA(a, mem, aBase, m, m4, k);
  packB(b, mem, bBase, n, n8, k);
  mod.gemm(aBase * 4, bBase * 4, cBase * 4, m4, n8, k);
  for (let i = 0; i < m; i++) {
    const row = cBase + i * n8;
    c.set(mem.subarray(row, row + n), cOffset + i * n);
  }
  return true;
}

function packA(a: GemmOperand, mem: Float32Array, base: number, m: number, m4: number, k: number): void {
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

function packB(b: GemmOperand, mem: Float32Array, base: number, n: number, n8: number, k: number): void {
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
