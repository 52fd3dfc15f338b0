import type { AdamWParams, Storage } from '../../../backend.js';
import { floats } from '../storage.js';

export function adamw(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamWParams): void {
  const w = floats(param);
  const g = floats(grad);
  const mv = floats(m);
  const vv = floats(v);
  for (let i = 0; i < w.length; i++) {
    mv[i] = p.beta1 * mv[i] + (1 - p.beta1) * g[i];
    vv[i] = p.beta2 * vv[i] + (1 - p.beta2) * g[i] * g[i];
    const mHat = mv[i] / p.biasCorrection1;
    const vHat = vv[i] / p.biasCorrection2;
    w[i] -= p.lr * (mHat / (Math.sqrt(vHat) + p.eps) + p.weightDecay * w[i]);
  }
}
