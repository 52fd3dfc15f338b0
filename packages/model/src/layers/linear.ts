import { matmul, type Tensor } from '@agentlm/tensor';

/** A bias-free linear layer: y = x·Wᵀ with W stored [out, in] as in HF checkpoints; x is [N, in]. */
export function linear(x: Tensor, weight: Tensor): Tensor {
  return matmul(x, weight, { transposeB: true });
}

/** Looks up one weight of a layer by its HF suffix (`self_attn.kv_b_proj.weight`, ...). */
export type LayerWeights = (suffix: string) => Tensor;
