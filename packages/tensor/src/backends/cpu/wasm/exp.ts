import type { FloatArray } from '../storage.js';
import { expWasmBase64 } from './exp-wasm.js';
import { heap, instantiate } from './loader.js';

/**
 * exp over blocks of a float array for the kernels written around Math.exp (swiglu, cross-entropy):
 * the WebAssembly SIMD kernel of exp.wat on f32 data, Math.exp elsewhere (f64 reference mode, no SIMD).
 * Both compute in f64; the kernels keep their arithmetic and read the exps from the returned block.
 */

interface ExpModule {
  exp: (src: number, dst: number, n: number, scale: number, shift: number) => void;
}

/** Elements per block: the staged f32 and the f64 results stay in L1/L2 while the kernel reads them. */
export const EXP_BLOCK = 2048;

let loaded: ReturnType<typeof instantiate<ExpModule>> | undefined;
let staged: Float32Array | null = null;
let results: Float64Array | null = null;
const fallback = new Float64Array(EXP_BLOCK);

/**
 * out[i] = exp(scale · x[start + i] − shift) for i < count (≤ EXP_BLOCK), in f64. The returned array is
 * reused by the next call (the module's memory never grows after the first).
 */
export function expBlock(
  x: FloatArray,
  start: number,
  count: number,
  scale: number,
  shift: number,
): Float64Array {
  loaded ??= instantiate<ExpModule>(expWasmBase64);
  const mod = loaded;
  if (!mod || !(x instanceof Float32Array)) {
    for (let i = 0; i < count; i++) fallback[i] = Math.exp(scale * x[start + i] - shift);
    return fallback;
  }
  // [f32 source: EXP_BLOCK + 2][f64 results: EXP_BLOCK + 2]
  const resultsAt = (EXP_BLOCK + 2) * 4;
  if (!staged || !results) {
    staged = heap(mod.memory, (EXP_BLOCK + 2) * 3);
    results = new Float64Array(mod.memory.buffer, resultsAt, EXP_BLOCK + 2);
  }
  staged.set(x.subarray(start, start + count));
  mod.exp(0, resultsAt, count, scale, shift);
  return results;
}
