import { add, rmsNorm, type Tensor } from '@agentlm/tensor';
import type { LatentCache } from '../cache.js';
import type { YoutuConfig } from '../config.js';
import type { LayerWeights } from './linear.js';
import { mlaAbsorbed, mlaExpanded, mlaProject } from './mla.js';
import { swigluMlp } from './mlp.js';

/**
 * How a decoder layer attends: `full` over the batch's own tokens (training, plain forward); `prefill` and
 * `decode` append the tokens' latent rows to a cache and attend over its whole history, expanded or absorbed.
 */
export type AttentionMode =
  | { kind: 'full' }
  | { kind: 'prefill' | 'decode'; cache: LatentCache; layer: number; startPos: number };

/** One pre-norm decoder layer on x [B·T, d]: x + MLA(RMSNorm(x)), then + SwiGLU(RMSNorm(x)). */
export function decoderLayer(
  c: YoutuConfig,
  w: LayerWeights,
  x: Tensor,
  batch: number,
  positions: Tensor,
  mode: AttentionMode,
): Tensor {
  const a = rmsNorm(x, w('input_layernorm.weight'), c.rmsNormEps);
  const p = mlaProject(c, w, a, batch, positions);
  let attn: Tensor;
  if (mode.kind === 'full') {
    attn = mlaExpanded(c, w, p, p, batch, 0);
  } else {
    mode.cache.append(mode.layer, p.ckv, p.kPe);
    const history = mode.cache.read(mode.layer);
    attn =
      mode.kind === 'prefill'
        ? mlaExpanded(c, w, p, history, 1, mode.startPos)
        : mlaAbsorbed(c, w, p, history, mode.startPos);
  }
  const h = add(x, attn);
  return add(h, swigluMlp(w, rmsNorm(h, w('post_attention_layernorm.weight'), c.rmsNormEps)));
}
