import { record } from '../autograd.js';
import type { AttentionParams, LatentAttentionParams } from '../backend.js';
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

export interface LatentAttentionOptions {
  /** Cache rows attended: rows 0..length-1 (default: every row). */
  length?: number;
  /** Values are each row's first valueDim columns (kv_lora_rank). */
  valueDim: number;
  /** Multiplier on q·k. */
  scale: number;
}

/**
 * One token's attention over an MLA latent cache (SPEC §1, absorbed decode): every query head attends over
 * the same rows [ckv | k_pe], keys being whole rows and values their first `valueDim` columns (one KV head
 * shared by all query heads). q [H, W] f32 (the absorbed queries), cache [capacity, W] f32/f16/bf16 read in
 * place → [H, valueDim]. Forward only (decode); the cache's rows past `length` are not read.
 */
export function latentAttention(q: Tensor, cache: Tensor, opts: LatentAttentionOptions): Tensor {
  const ts = [q, cache];
  const backend = sameBackend('latentAttention', ts);
  requireDType('latentAttention', ts, q, ['f32']);
  requireDType('latentAttention', ts, cache, ['f32', 'f16', 'bf16']);
  if (q.rank !== 2 || cache.rank !== 2 || q.shape[1] !== cache.shape[1]) {
    throw shapeError('latentAttention', ts, 'expected q [H, W] and cache [rows, W]');
  }
  const [heads, width] = q.shape;
  const length = opts.length ?? cache.shape[0];
  if (!Number.isInteger(length) || length < 1 || length > cache.shape[0]) {
    throw shapeError(
      'latentAttention',
      ts,
      `length must be an integer in [1, ${cache.shape[0]}], got ${length}`,
    );
  }
  if (!Number.isInteger(opts.valueDim) || opts.valueDim < 1 || opts.valueDim > width) {
    throw shapeError(
      'latentAttention',
      ts,
      `valueDim must be an integer in [1, ${width}], got ${opts.valueDim}`,
    );
  }
  const out = newTensor(backend, [heads, opts.valueDim], 'f32');
  const p: LatentAttentionParams = { heads, length, width, valueDim: opts.valueDim, scale: opts.scale };
  backend.latentAttention(q.storage, cache.storage, out.storage, p);
  return out;
}
