import type { AdamWParams, Storage } from '../../../backend.js';
import { type FloatArray, floats } from '../storage.js';

/**
 * In-place AdamW, the Backend contract's formula in f64 step for step. The hyper-parameters are hoisted
 * into locals so the loop does no property loads, only typed-array reads and writes.
 */
export function adamw(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamWParams): void {
  adamwLoop(floats(param), floats(grad), floats(m), floats(v), p);
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
