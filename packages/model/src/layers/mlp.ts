import { swiglu, type Tensor } from '@agentlm/tensor';
import { type LayerWeights, linear } from './linear.js';

/** SwiGLU MLP: down_proj(silu(gate_proj(b)) * up_proj(b)); b is [N, d]. */
export function swigluMlp(w: LayerWeights, b: Tensor): Tensor {
  return linear(
    swiglu(linear(b, w('mlp.gate_proj.weight')), linear(b, w('mlp.up_proj.weight'))),
    w('mlp.down_proj.weight'),
  );
}
