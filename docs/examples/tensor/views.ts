// Strided views: permute, transpose, slice and broadcastTo share storage; contiguous() makes a dense copy.
import { contiguous, matmul, memoryStats, tensor } from '@agentlm/tensor';

const x = tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [3, 4]);
const before = memoryStats().bytes.cpu;
const t = x.transpose(); // [4, 3], no copy
const rows = x.slice([1, 0], [3, 4]); // rows 1..2: the same storage from element 4
const wide = x.slice([0, 0], [1, 4]).broadcastTo([2, 4]); // stride 0 on the broadcast dim
console.log('bytes allocated by four views:', memoryStats().bytes.cpu - before);
console.log('transpose strides', t.strides, 'contiguous?', t.isContiguous);
console.log('slice offset', rows.offset, 'values', Array.from(rows.dataSync()));
console.log('broadcast strides', wide.strides, 'values', Array.from(wide.dataSync()));

// matmul reads a transposed view in place (it flips its transpose flag instead of copying)
const w = tensor([1, 0, 0, 0, 1, 1, 1, 1], [2, 4]); // [out, in], like a Linear weight
const y = matmul(x, w.transpose()); // x @ wᵀ
console.log('x @ wᵀ =', Array.from(y.dataSync()));

// contiguous() materializes a view as a dense row-major tensor
const dense = contiguous(t);
console.log('contiguous(xᵀ) strides', dense.strides, 'values', Array.from(dense.dataSync()));

// gradients flow through views to the base tensor
const p = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
p.transpose().slice([1, 0], [3, 2]).sum().backward();
console.log('grad of sum(pᵀ[1:, :]) =', Array.from(p.grad?.dataSync() ?? []));
