import type { DType } from '@agentlm/tensor';
import type { YoutuConfig } from './config.js';

/** How a weight is initialised and what it is: embeddings and linears are normal(0, σ), norms are ones. */
export type WeightKind = 'embedding' | 'linear' | 'norm';

/** One stored tensor of a Youtu checkpoint, by its Hugging Face name. Linear weights are [out, in]. */
export interface WeightSpec {
  name: string;
  shape: [number] | [number, number];
  kind: WeightKind;
}

/** The HF names and shapes of every weight of a config, in checkpoint order; `lm_head.weight` only when untied. */
export function weightSpecs(c: YoutuConfig): WeightSpec[] {
  const d = c.hiddenSize;
  const h = c.numAttentionHeads;
  const qkHeadDim = c.qkNopeHeadDim + c.qkRopeHeadDim;
  const linear = (name: string, out: number, inp: number): WeightSpec => ({
    name,
    shape: [out, inp],
    kind: 'linear',
  });
  const norm = (name: string, width: number): WeightSpec => ({ name, shape: [width], kind: 'norm' });
  const specs: WeightSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [c.vocabSize, d], kind: 'embedding' },
  ];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const p = `model.layers.${i}.`;
    specs.push(norm(`${p}input_layernorm.weight`, d));
    if (c.qLoraRank === null) {
      specs.push(linear(`${p}self_attn.q_proj.weight`, h * qkHeadDim, d));
    } else {
      specs.push(
        linear(`${p}self_attn.q_a_proj.weight`, c.qLoraRank, d),
        norm(`${p}self_attn.q_a_layernorm.weight`, c.qLoraRank),
        linear(`${p}self_attn.q_b_proj.weight`, h * qkHeadDim, c.qLoraRank),
      );
    }
    specs.push(
      linear(`${p}self_attn.kv_a_proj_with_mqa.weight`, c.kvLoraRank + c.qkRopeHeadDim, d),
      norm(`${p}self_attn.kv_a_layernorm.weight`, c.kvLoraRank),
      linear(`${p}self_attn.kv_b_proj.weight`, h * (c.qkNopeHeadDim + c.vHeadDim), c.kvLoraRank),
      linear(`${p}self_attn.o_proj.weight`, d, h * c.vHeadDim),
      norm(`${p}post_attention_layernorm.weight`, d),
      linear(`${p}mlp.gate_proj.weight`, c.intermediateSize, d),
      linear(`${p}mlp.up_proj.weight`, c.intermediateSize, d),
      linear(`${p}mlp.down_proj.weight`, d, c.intermediateSize),
    );
  }
  specs.push(norm('model.norm.weight', d));
  if (!c.tieWordEmbeddings) specs.push(linear('lm_head.weight', c.vocabSize, d));
  return specs;
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The device dtype of one weight when the model is stored in `dtype`: RMSNorm weights stay f32 (the fused
 * norm reads f32 weights, and they are a negligible share of the bytes); everything else takes `dtype`.
 */
export function storageDType(spec: WeightSpec, dtype: DType): DType {
  return spec.kind === 'norm' ? 'f32' : dtype;
}
