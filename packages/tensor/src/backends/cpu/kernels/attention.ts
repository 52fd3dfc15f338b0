import type { AttentionParams, Storage } from '../../../backend.js';
import { floats } from '../storage.js';
import { attentionBackwardGemm, attentionGemm } from './attention-gemm.js';
import { lastKey } from './attention-pack.js';

/**
 * Two-pass exact softmax attention per query row: the f64 reference, and the fallback where the
 * WebAssembly GEMM path (attention-gemm.ts) does not apply.
 */
export function attention(
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  p: AttentionParams,
) {
  if (attentionGemm(q, k, v, out, lse, p)) return;
  const Q = floats(q);
  const K = floats(k);
  const V = floats(v);
  const O = floats(out);
  const L = floats(lse);
  const { d, dv, tk } = p;
  const scores = new Float64Array(tk);
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      const kvBase = (b * p.kvHeads + (p.kvHeads === 1 ? 0 : h)) * tk;
      for (let i = 0; i < p.tq; i++) {
        const row = (b * p.heads + h) * p.tq + i;
        const qBase = row * d;
        const oBase = row * dv;
        const last = lastKey(p, i);
        O.fill(0, oBase, oBase + dv);
        if (last < 0) {
          L[row] = Number.NEGATIVE_INFINITY;
          continue;
        }
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j <= last; j++) {
          const kBase = (kvBase + j) * d;
          let s = 0;
          for (let c = 0; c < d; c++) s += Q[qBase + c] * K[kBase + c];
          scores[j] = s * p.scale;
          if (scores[j] > max) max = scores[j];
        }
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          const w = Math.exp(scores[j] - max);
          sum += w;
          const vBase = (kvBase + j) * dv;
          for (let c = 0; c < dv; c++) O[oBase + c] += w * V[vBase + c];
        }
        for (let c = 0; c < dv; c++) O[oBase + c] /= sum;
        L[row] = max + Math.log(sum);
      }
    }
  }
}

/**
 * dV += P·dO, dP = dO·Vᵀ, dS = P ∘ (dP − rowsum(dO ∘ O)), dQ = scale·dS·K, dK += scale·dSᵀ·Q, with
 * P = exp(scale·QKᵀ − lse) recomputed from the saved lse.
 */
export function attentionBackward(
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  dOut: Storage,
  dq: Storage,
  dk: Storage,
  dv: Storage,
  p: AttentionParams,
): void {
  if (attentionBackwardGemm(q, k, v, out, lse, dOut, dq, dk, dv, p)) return;
  const Q = floats(q);
  const K = floats(k);
  const V = floats(v);
  const O = floats(out);
  const L = floats(lse);
  const dO = floats(dOut);
  const dQ = floats(dq);
  const dK = floats(dk);
  const dV = floats(dv);
  const { d, tk } = p;
  const dvDim = p.dv;
  dQ.fill(0);
  dK.fill(0);
  dV.fill(0);
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      const kvBase = (b * p.kvHeads + (p.kvHeads === 1 ? 0 : h)) * tk;
      for (let i = 0; i < p.tq; i++) {
        const row = (b * p.heads + h) * p.tq + i;
        const last = lastKey(p, i);
        if (last < 0) continue;
        const qBase = row * d;
        const oBase = row * dvDim;
        let delta = 0;
        for (let c = 0; c < dvDim; c++) delta += dO[oBase + c] * O[oBase + c];
        for (let j = 0; j <= last; j++) {
          const kBase = (kvBase + j) * d;
          const vBase = (kvBase + j) * dvDim;
          let s = 0;
          for (let c = 0; c < d; c++) s += Q[qBase + c] * K[kBase + c];
          const prob = Math.exp(s * p.scale - L[row]);
          let dp = 0;
          for (let c = 0; c < dvDim; c++) {
            dp += dO[oBase + c] * V[vBase + c];
            dV[vBase + c] += prob * dO[oBase + c];
          }
          const ds = prob * (dp - delta) * p.scale;
          for (let c = 0; c < d; c++) {
            dQ[qBase + c] += ds * K[kBase + c];
            dK[kBase + c] += ds * Q[qBase + c];
          }
        }
      }
    }
  }
}
