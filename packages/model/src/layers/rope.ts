import type { RopeOptions } from '@agentlm/tensor';
import type { YarnScaling, YoutuConfig } from '../config.js';
import { ConfigError } from '../errors.js';

/** m = 0.1·mscale·ln(factor) + 1 (1 when factor ≤ 1): DeepSeek's YaRN magnitude correction. */
export function yarnMscale(factor: number, mscale: number): number {
  return factor <= 1 ? 1 : 0.1 * mscale * Math.log(factor) + 1;
}

/**
 * The softmax scale of MLA attention: (qk_nope_head_dim + qk_rope_head_dim)^-0.5, times m² when YaRN sets
 * mscale_all_dim (SPEC §1), for both the expanded and the absorbed form.
 */
export function softmaxScale(c: YoutuConfig): number {
  const s = c.ropeScaling;
  const m = s !== null && s.mscaleAllDim !== null ? yarnMscale(s.factor, s.mscaleAllDim) : 1;
  return (c.qkNopeHeadDim + c.qkRopeHeadDim) ** -0.5 * m * m;
}

/**
 * The cos/sin multiplier HF DeepSeek-V3 derives for YaRN: an explicit attention_factor, else
 * mscale(f, mscale)/mscale(f, mscale_all_dim) when both are set, else mscale(f, 1).
 */
function yarnAttentionFactor(s: YarnScaling): number {
  if (s.attentionFactor !== null) return s.attentionFactor;
  if (s.mscale !== null && s.mscaleAllDim !== null)
    return yarnMscale(s.factor, s.mscale) / yarnMscale(s.factor, s.mscaleAllDim);
  return yarnMscale(s.factor, 1);
}

/**
 * The `rope` op options of a config. The tensor op derives its cos/sin multiplier as
 * mscale(f, mscale)/mscale(f, mscaleAllDim); we hand it the mscale that makes this equal HF's factor in every
 * case (HF ignores a lone mscale or mscale_all_dim there), with mscaleAllDim 0 so the denominator is 1.
 */
export function ropeOptions(c: YoutuConfig): RopeOptions {
  const s = c.ropeScaling;
  if (s === null) return { theta: c.ropeTheta, interleaved: c.ropeInterleave, scaling: null };
  const factor = yarnAttentionFactor(s);
  if (s.factor <= 1 && factor !== 1) {
    throw new ConfigError(
      'config.json',
      'rope_scaling.attention_factor',
      `needs factor > 1 to take effect here, got factor ${s.factor}`,
    );
  }
  return {
    theta: c.ropeTheta,
    interleaved: c.ropeInterleave,
    scaling: {
      factor: s.factor,
      originalMaxPositionEmbeddings: s.originalMaxPositionEmbeddings,
      betaFast: s.betaFast,
      betaSlow: s.betaSlow,
      mscale: s.factor <= 1 ? 1 : (factor - 1) / (0.1 * Math.log(s.factor)),
      mscaleAllDim: 0,
    },
  };
}
