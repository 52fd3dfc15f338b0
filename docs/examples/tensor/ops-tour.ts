// A tour of the op set: broadcasting, reductions, matmul with bf16 weights, RoPE, and autograd.
import { matmul, randn, rope, sum, tensor } from '@agentlm/tensor';

const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
const b = tensor([10, 20, 30], [3]);
const y = a.mul(b).add(1); // [2,3] * [3] broadcasts
console.log('a*b+1 =', Array.from(y.dataSync()));
console.log('row sums =', Array.from(y.sum(1).dataSync()), 'max =', y.max().dataSync()[0]);

sum(y.mul(y)).backward();
console.log('d/da sum((a*b+1)^2) =', Array.from(a.grad?.dataSync() ?? []));

// f32 activations times bf16 weights, accumulated in f32
const w = randn([4, 3], { seed: 7, dtype: 'bf16' }); // [out, in] like a Linear weight
const out = matmul(a, w, { transposeB: true });
console.log('x @ W^T shape', out.shape, 'dtype', out.dtype);

// rotary embedding of one head at positions 0..2 (interleaved pairs, as DeepSeek-V3 / Youtu)
const q = tensor([1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0], [3, 1, 4]).reshape([1, 3, 1, 4]);
const positions = tensor(new Int32Array([0, 1, 2]), [3]);
const rotated = rope(q, positions, { theta: 10000, interleaved: true });
console.log(
  'rope =',
  Array.from(rotated.dataSync(), (v) => +v.toFixed(3)),
);
