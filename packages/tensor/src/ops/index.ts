export {
  type AttentionOptions,
  attention,
  type LatentAttentionOptions,
  latentAttention,
} from './attention.js';
export { cast } from './cast.js';
export {
  alias,
  arange,
  type CreateOptions,
  empty,
  full,
  ones,
  type RandomOptions,
  randn,
  tensor,
  uniform,
  zeros,
} from './creation.js';
export { type CrossEntropyOptions, crossEntropy } from './cross-entropy.js';
export {
  abs,
  add,
  div,
  eq,
  exp,
  ge,
  gelu,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  type Operand,
  pow,
  rsqrt,
  sigmoid,
  silu,
  sqrt,
  sub,
  tanh,
  where,
} from './elementwise.js';
export { rmsNorm, swiglu } from './fused.js';
export { gather } from './gather.js';
export { type LinearCrossEntropyOptions, linearCrossEntropy } from './linear-cross-entropy.js';
export { type MatmulOptions, matmul } from './matmul.js';
export { argmax, max, mean, sum } from './reduce.js';
export { type RopeOptions, rope, ropeFrequencies, type YarnScaling } from './rope.js';
export { broadcastTo, concat, contiguous, permute, reshape, slice, split, transpose } from './shape.js';
export { logSoftmax, softmax } from './softmax.js';
export { TOPK_MAX_K, type TopK, topk } from './topk.js';
