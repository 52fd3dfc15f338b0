import type { AttentionParams, Storage } from '../../../backend.js';
import { floats } from '../storage.js';
import { wasmGemm } from '../wasm/gemm.js';

/**
 * f32 attention as per-head WebAssembly SIMD GEMMs: S = Q·Kᵀ, a masked row softmax, O = P·V (and the
 * matching products in the backward). The [Tq, Tk] score matrix of one head is materialized, which the
 * CPU's caches handle well at the sequence lengths we train on; the row-by-row kernel in attention.ts
 * remains for the f64 reference and where WebAssembly SIMD is missing (these return false there).
 */

const view = (data: Float32Array, offset: number, transposed: boolean) =>
  ({ data, dtype: 'f32', offset, transposed }) as const;

interface Offsets {
  q: number;
  kv: number;
  v: number;
  o: number;
  row: number;
}

function offsets(p: AttentionParams, b: number, h: number): Offsets {
  const kvHead = b * p.kvHeads + (p.kvHeads === 1 ? 0 : h);
  const row = (b * p.heads + h) * p.tq;
  return { q: row * p.d, kv: kvHead * p.tk * p.d, v: kvHead * p.tk * p.dv, o: row * p.dv, row };
}

/** Last key index query row i may see (inclusive); -1 when it sees none. */
export function lastKey(p: AttentionParams, i: number): number {
  return p.causal ? Math.min(p.tk - 1, p.queryOffset + i) : p.tk - 1;
}

/** Turn scores S (unscaled Q·Kᵀ) into probabilities in place, from the row's log-sum-exp `lse`. */
function probabilities(S: Float32Array, p: AttentionParams, lse: Float32Array | Float64Array, row: number) {
  for (let i = 0; i < p.tq; i++) {
    const last = lastKey(p, i);
    const base = i * p.tk;
    const l = lse[row + i];
    for (let j = 0; j < p.tk; j++) S[base + j] = j <= last ? Math.exp(S[base + j] * p.scale - l) : 0;
  }
}

export function attentionGemm(
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  p: AttentionParams,
) {
  const [Q, K, V, O, L] = [q, k, v, out, lse].map(floats);
  if (![Q, K, V, O, L].every((a) => a instanceof Float32Array)) return false;
  const S = new Float32Array(p.tq * p.tk);
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      const o = offsets(p, b, h);
      if (
        !wasmGemm(
          view(Q as Float32Array, o.q, false),
          view(K as Float32Array, o.kv, true),
          S,
          0,
          p.tq,
          p.tk,
          p.d,
        )
      ) {
        return false;
      }
      for (let i = 0; i < p.tq; i++) {
        const last = lastKey(p, i);
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j <= last; j++) max = Math.max(max, S[i * p.tk + j] * p.scale);
        let sum = 0;
        for (let j = 0; j <= last; j++) sum += Math.exp(S[i * p.tk + j] * p.scale - max);
        L[o.row + i] = last < 0 ? Number.NEGATIVE_INFINITY : max + Math.log(sum);
      }
      probabilities(S, p, L, o.row);
      wasmGemm(
        view(S, 0, false),
        view(V as Float32Array, o.v, false),
        O as Float32Array,
        o.o,
        p.tq,
        p.dv,
        p.tk,
      );
    }
  }
  return true;
}

export function attentionBackwardGemm(
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
): boolean {
  const arrays = [q, k, v, out, lse, dOut, dq, dk, dv].map(floats);
  if (!arrays.every((a) => a instanceof Float32Array)) return false;
  const [Q, K, V, O, L, dO, dQ, dK, dV] = arrays as Float32Array[];
  const P = new Float32Array(p.tq * p.tk);
  const dS = new Float32Array(p.tq * p.tk);
  const dKHead = new Float32Array(p.tk * p.d);
  const dVHead = new Float32Array(p.tk * p.dv);
  dK.fill(0);
  dV.fill(0);
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      const o = offsets(p, b, h);
      if (!wasmGemm(view(Q, o.q, false), view(K, o.kv, true), P, 0, p.tq, p.tk, p.d)) return false;
      probabilities(P, p, L, o.row);
      // dV += Pᵀ·dO; dP = dO·Vᵀ
      wasmGemm(view(P, 0, true), view(dO, o.o, false), dVHead, 0, p.tk, p.dv, p.tq);
      for (let i = 0; i < dVHead.length; i++) dV[o.v + i] += dVHead[i];
      wasmGemm(view(dO, o.o, false), view(V, o.v, true), dS, 0, p.tq, p.tk, p.dv);
      // dS = P ∘ (dP − rowsum(dO ∘ O)) · scale
      for (let i = 0; i < p.tq; i++) {
        let delta = 0;
        for (let c = 0; c < p.dv; c++) delta += dO[o.o + i * p.dv + c] * O[o.o + i * p.dv + c];
        for (let j = 0; j < p.tk; j++) {
          const at = i * p.tk + j;
          dS[at] = P[at] * (dS[at] - delta) * p.scale;
        }
      }
      // dQ = dS·K; dK += dSᵀ·Q
      wasmGemm(view(dS, 0, false), view(K, o.kv, false), dQ, o.q, p.tq, p.d, p.tk);
      wasmGemm(view(dS, 0, true), view(Q, o.q, false), dKHead, 0, p.tk, p.d, p.tq);
      for (let i = 0; i < dKHead.length; i++) dK[o.kv + i] += dKHead[i];
    }
  }
  return true;
}
