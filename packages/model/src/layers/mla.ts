import { attention, concat, matmul, rmsNorm, rope, type Tensor } from '@agentlm/tensor';
import type { YoutuConfig } from '../config.js';
import { type LayerWeights, linear } from './linear.js';
import { ropeOptions, softmaxScale } from './rope.js';

/**
 * Multi-Latent Attention (DeepSeek-V3, SPEC §1). `mlaProject` computes a token's queries and its cache rows
 * (normalised latent ckv and the rotated shared rope key kPe); attention then runs either expanded (K/V rebuilt
 * with kv_b_proj, ordinary multi-head attention: training and prefill) or absorbed (kv_b_proj folded into the
 * query and the output, one shared KV head of width kv_lora_rank + qk_rope_head_dim over the cache: decode).
 */
export interface MlaProjections {
  /** [B, T, h, qk_nope_head_dim] */
  qNope: Tensor;
  /** [B, T, h, qk_rope_head_dim], rotated */
  qPe: Tensor;
  /** [B·T, kv_lora_rank], after kv_a_layernorm */
  ckv: Tensor;
  /** [B·T, qk_rope_head_dim], rotated */
  kPe: Tensor;
}

/** Queries and cache rows of `a` ([B·T, d], already input-normalised) at `positions` (i32 [T]). */
export function mlaProject(
  c: YoutuConfig,
  w: LayerWeights,
  a: Tensor,
  batch: number,
  positions: Tensor,
): MlaProjections {
  const t = positions.shape[0];
  const h = c.numAttentionHeads;
  const q =
    c.qLoraRank === null
      ? linear(a, w('self_attn.q_proj.weight'))
      : linear(
          rmsNorm(
            linear(a, w('self_attn.q_a_proj.weight')),
            w('self_attn.q_a_layernorm.weight'),
            c.rmsNormEps,
          ),
          w('self_attn.q_b_proj.weight'),
        );
  const [qNope, qPeRaw] = q
    .reshape([batch, t, h, c.qkNopeHeadDim + c.qkRopeHeadDim])
    .split([c.qkNopeHeadDim, c.qkRopeHeadDim], 3);
  const [ckvRaw, kPeRaw] = linear(a, w('self_attn.kv_a_proj_with_mqa.weight')).split(
    [c.kvLoraRank, c.qkRopeHeadDim],
    1,
  );
  const opts = ropeOptions(c);
  return {
    qNope,
    qPe: rope(qPeRaw, positions, opts),
    ckv: rmsNorm(ckvRaw, w('self_attn.kv_a_layernorm.weight'), c.rmsNormEps),
    kPe: rope(kPeRaw.reshape([batch, t, 1, c.qkRopeHeadDim]), positions, opts).reshape([
      batch * t,
      c.qkRopeHeadDim,
    ]),
  };
}

/**
 * Expanded MLA over `keys` tokens of latent history (ckv [B·Tk, c], kPe [B·Tk, r]; the queries' own rows
 * included), queries at absolute positions queryOffset..queryOffset+T-1. Returns the o_proj output [B·T, d].
 */
export function mlaExpanded(
  c: YoutuConfig,
  w: LayerWeights,
  p: MlaProjections,
  history: { ckv: Tensor; kPe: Tensor },
  batch: number,
  queryOffset: number,
): Tensor {
  const h = c.numAttentionHeads;
  const [t, tk] = [p.qNope.shape[1], history.ckv.shape[0] / batch];
  const kv = linear(history.ckv, w('self_attn.kv_b_proj.weight')).reshape([
    batch,
    tk,
    h,
    c.qkNopeHeadDim + c.vHeadDim,
  ]);
  const [kNope, v] = kv.split([c.qkNopeHeadDim, c.vHeadDim], 3);
  const kPe = history.kPe
    .reshape([batch, tk, 1, c.qkRopeHeadDim])
    .broadcastTo([batch, tk, h, c.qkRopeHeadDim]);
  const k = concat([kNope, kPe], 3).permute([0, 2, 1, 3]);
  const q = concat([p.qNope, p.qPe], 3).permute([0, 2, 1, 3]);
  const o = attention(q, k, v.permute([0, 2, 1, 3]), { causal: true, scale: softmaxScale(c), queryOffset });
  return linear(o.permute([0, 2, 1, 3]).reshape([batch * t, h * c.vHeadDim]), w('self_attn.o_proj.weight'));
}

/**
 * Absorbed MLA for one sequence (B = 1): q_nope·W_UK gives a kv_lora_rank-wide query per head, attention runs
 * over the cached latent as one shared KV head (keys [ckv, kPe], values ckv), and W_UV maps the attended latent
 * back to v_head_dim per head. Same result as mlaExpanded, without materialising per-head K/V.
 */
export function mlaAbsorbed(
  c: YoutuConfig,
  w: LayerWeights,
  p: MlaProjections,
  history: { ckv: Tensor; kPe: Tensor },
  queryOffset: number,
): Tensor {
  const h = c.numAttentionHeads;
  const [t, tk, latent] = [p.qNope.shape[1], history.ckv.shape[0], c.kvLoraRank];
  const [wUK, wUV] = w('self_attn.kv_b_proj.weight')
    .reshape([h, c.qkNopeHeadDim + c.vHeadDim, latent])
    .split([c.qkNopeHeadDim, c.vHeadDim], 1);
  const qLatent = matmul(p.qNope.reshape([t, h, c.qkNopeHeadDim]).permute([1, 0, 2]), wUK); // [h, T, c]
  const qPe = p.qPe.reshape([t, h, c.qkRopeHeadDim]).permute([1, 0, 2]);
  const q = concat([qLatent, qPe], 2).reshape([1, h, t, latent + c.qkRopeHeadDim]);
  const k = concat([history.ckv, history.kPe], 1).reshape([1, 1, tk, latent + c.qkRopeHeadDim]);
  const oLatent = attention(q, k, history.ckv.reshape([1, 1, tk, latent]), {
    causal: true,
    scale: softmaxScale(c),
    queryOffset,
  });
  const o = matmul(oLatent.reshape([h, t, latent]), wUV, { transposeB: true }); // [h, T, v]
  return linear(o.permute([1, 0, 2]).reshape([t, h * c.vHeadDim]), w('self_attn.o_proj.weight'));
}
