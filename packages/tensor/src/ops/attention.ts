import { record } from '../autograd.js';
import type { AttentionParams } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { newTensor, requireDType, sameBackend, shapeError } from './util.js';

export interface AttentionOptions {
  causal: boolean;
  /** Multiplier on q·k (usually 1/sqrt(d), times YaRN's m²). */
  scale: number;
  /** Absolute position of the first query (decode with a cache: tk - tq). Default 0. */
  queryOffset?: number;
}

/**
 * Fused softmax(q kᵀ · scale, causal mask) v. q [B, H, Tq, D], k [B, Hk, Tk, D], v [B, Hk, Tk, Dv] with
 * Hk = H or Hk = 1 (one KV head shared by all query heads, as MLA decode needs) → [B, H, Tq, Dv].
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const ts = [q, k, v];
  const backend = sameBackend('attention', ts);
  for (const t of ts) requireDType('attention', ts, t, ['f32']);
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) throw shapeError('attention', ts, 'q, k, v must be 4-D');
  const [batch, heads, tq, d] = q.shape;
  const [kb, kvHeads, tk, kd] = k.shape;
  const [vb, vh, vt, dv] = v.shape;
  if (kb !== batch || vb !== batch || kd !== d || vh !== kvHeads || vt !== tk) {
    throw shapeError('attention', ts, 'expected q [B,H,Tq,D], k [B,Hk,Tk,D], v [B,Hk,Tk,Dv]');
  }
  if (kvHeads !== heads && kvHeads !== 1) {
    throw shapeError('attention', ts, `k/v heads must be ${heads} or 1, got ${kvHeads}`);
  }
  const p: AttentionParams = {
    batch,
    heads,
    kvHeads,
    tq,
    tk,
    d,
    dv,
    scale: opts.scale,
    causal: opts.causal,
    queryOffset: opts.queryOffset ?? 0,
  };
  const out = newTensor(backend, [batch, heads, tq, dv], 'f32');
  const lse = newTensor(backend, [batch, heads, tq], 'f32');
  backend.attention(q.storage, k.storage, v.storage, out.storage, lse.storage, p);
  record(
    out,
    ts,
    (dOut) => {
      const dq = newTensor(backend, q.shape, 'f32');
      const dk = newTensor(backend, k.shape, 'f32');
      const dvT = newTensor(backend, v.shape, 'f32');
      const s = [q, k, v, out, lse, dOut].map((t) => t.storage);
      backend.attentionBackward(s[0], s[1], s[2], s[3], s[4], s[5], dq.storage, dk.storage, dvT.storage, p);
      return [dq, dk, dvT];
    },
    [lse],
  );
  return out;
}
