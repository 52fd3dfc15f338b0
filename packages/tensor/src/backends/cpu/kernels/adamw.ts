import type { AdamWParams, Storage } from '../../../backend.js';
import { type FloatArray, floats } from '../storage.js';
import { adamwWasmBase64 } from '../wasm/adamw-wasm.js';
import { heap, instantiate } from '../wasm/loader.js';

/**
 * In-place AdamW, the Backend contract's formula in f64 step for step. f32 params run the WebAssembly
 * SIMD loop of adamw.wat (bit for bit the same results), BLOCK elements at a time staged through the
 * module's memory so the four arrays stay in L2; the f64 reference mode (and no SIMD) runs the loop below.
 */
export function adamw(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamWParams): void {
  const w = floats(param);
  const g = floats(grad);
  const mv = floats(m);
  const vv = floats(v);
  if (w instanceof Float32Array && adamwWasm(w, g as Float32Array, mv as Float32Array, vv as Float32Array, p))
    return;
  adamwLoop(w, g, mv, vv, p);
}

interface AdamWModule {
  adamw: (
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    decay: number,
    bc1: number,
    bc2: number,
  ) => void;
}

const BLOCK = 8192;
let loaded: ReturnType<typeof instantiate<AdamWModule>> | undefined;

function adamwWasm(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p: AdamWParams,
): boolean {
  loaded ??= instantiate<AdamWModule>(adamwWasmBase64);
  const mod = loaded;
  if (!mod) return false;
  // four regions of BLOCK + 2 floats (an odd block reads and writes one float past its end)
  const stride = BLOCK + 2;
  const mem = heap(mod.memory, 4 * stride);
  const { lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2 } = p;
  for (let start = 0; start < w.length; start += BLOCK) {
    const end = Math.min(w.length, start + BLOCK);
    mem.set(w.subarray(start, end), 0);
    mem.set(g.subarray(start, end), stride);
    mem.set(m.subarray(start, end), 2 * stride);
    mem.set(v.subarray(start, end), 3 * stride);
    mod.adamw(
      0,
      stride * 4,
      2 * stride * 4,
      3 * stride * 4,
      end - start,
      lr,
      beta1,
      beta2,
      eps,
      weightDecay,
      biasCorrection1,
      biasCorrection2,
    );
    w.set(mem.subarray(0, end - start), start);
    m.set(mem.subarray(2 * stride, 2 * stride + end - start), start);
    v.set(mem.subarray(3 * stride, 3 * stride + end - start), start);
  }
  return true;
}

function adamwLoop(w: FloatArray, g: FloatArray, m: FloatArray, v: FloatArray, p: AdamWParams): void {
  const { lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2 } = p;
  const keep1 = 1 - beta1;
  const keep2 = 1 - beta2;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    m[i] = beta1 * m[i] + keep1 * gi;
    v[i] = beta2 * v[i] + keep2 * gi * gi;
    // the moments are read back as stored (rounded to f32)
    const mHat = m[i] / biasCorrection1;
    const vHat = v[i] / biasCorrection2;
    const wi = w[i];
    w[i] = wi - lr * (mHat / (Math.sqrt(vHat) + eps) + weightDecay * wi);
  }
}
