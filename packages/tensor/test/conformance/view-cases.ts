import {
  add,
  attention,
  broadcastTo,
  cast,
  concat,
  contiguous,
  exp,
  gather,
  matmul,
  mul,
  permute,
  reshape,
  rmsNorm,
  slice,
  softmax,
  split,
  sum,
  transpose,
  where,
} from '../../src/index.js';
import type { Case, InputSpec } from './cases.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

/**
 * Ops on strided views (permuted, sliced with an offset, broadcast): kernels that read strides directly
 * (elementwise, matmul with a transposed operand) and kernels that read the dense copy of a view.
 */
export function viewCases(): Case[] {
  return [
    {
      name: 'view: exp of a permuted [2,3,5]→[2,0,1]',
      inputs: [f([2, 3, 5])],
      run: ([x]) => exp(permute(x, [2, 0, 1])),
    },
    {
      name: 'view: add of a transposed and an offset slice',
      inputs: [f([17, 3]), f([5, 19])],
      run: ([a, b]) => add(transpose(a), slice(b, [1, 2], [4, 19])),
    },
    {
      name: 'view: where on broadcast and permuted views',
      inputs: [f([3, 1], { grad: false }), f([17, 3]), f([4, 3, 17])],
      run: ([c, a, b]) => where(broadcastTo(c, [3, 17]), transpose(a), slice(b, [2, 0, 0], [3, 3, 17])),
    },
    {
      name: 'view: slice of a slice of a permute',
      inputs: [f([4, 6, 5])],
      run: ([x]) => mul(slice(slice(permute(x, [1, 2, 0]), [1, 0, 1], [6, 5, 4]), [1, 2, 0], [4, 5, 2]), 3),
    },
    {
      name: 'view: reshape of a permuted view',
      inputs: [f([3, 4, 5])],
      run: ([x]) => mul(reshape(permute(x, [1, 0, 2]), [4, 15]), 2),
    },
    {
      name: 'view: sum over axes of a sliced permute',
      inputs: [f([5, 7, 3])],
      run: ([x]) => sum(slice(permute(x, [2, 0, 1]), [0, 1, 2], [3, 5, 7]), [0, 2]),
    },
    {
      name: 'view: softmax of a transposed [17,5]',
      inputs: [f([17, 5])],
      run: ([x]) => softmax(transpose(x)),
    },
    {
      name: 'view: rmsNorm of rows sliced with an offset',
      inputs: [f([6, 17]), f([17])],
      run: ([x, w]) => rmsNorm(slice(x, [2, 0], [5, 17]), w, 1e-6),
    },
    {
      name: 'view: concat of a transposed and a sliced view',
      inputs: [f([5, 3]), f([3, 9])],
      run: ([a, b]) => concat([transpose(a), slice(b, [0, 1], [3, 8])], 1),
    },
    {
      name: 'view: contiguous of a permuted view',
      inputs: [f([2, 3, 5])],
      run: ([x]) => mul(contiguous(permute(x, [1, 2, 0])), 2),
    },
    {
      name: 'view: matmul aᵀ from a transposed view 5x7x3',
      inputs: [f([7, 5]), f([7, 3])],
      run: ([a, b]) => matmul(transpose(a), b),
    },
    {
      name: 'view: matmul with transposeB of a transposed view (flags cancel) 5x17x9',
      inputs: [f([5, 17]), f([17, 9])],
      run: ([a, b]) => matmul(a, transpose(b), { transposeB: true }),
    },
    {
      name: 'view: matmul batched transposed views [2,7,5]ᵀ·[2,3,7]ᵀ',
      inputs: [f([2, 7, 5]), f([2, 3, 7])],
      run: ([a, b]) => matmul(transpose(a), transpose(b)),
    },
    {
      name: 'view: matmul on row slices (batch stride ≠ matrix) [2,8,7]→[2,5,7]',
      inputs: [f([2, 8, 7]), f([7, 6])],
      run: ([a, b]) => matmul(slice(a, [0, 0, 0], [2, 5, 7]), b),
    },
    {
      name: 'view: matmul on an offset slice and a permuted batch',
      inputs: [f([3, 5, 7]), f([7, 2, 4])],
      run: ([a, b]) => matmul(slice(a, [1, 0, 0], [3, 5, 7]), permute(b, [1, 0, 2])),
    },
    {
      name: 'view: matmul on an aligned offset slice (vec4 path) [3,8,12]→[2,8,12]·[12,8]',
      inputs: [f([3, 8, 12]), f([12, 8])],
      run: ([a, b]) => matmul(slice(a, [1, 0, 0], [3, 8, 12]), b),
    },
    {
      name: 'view: matmul bᵀ on a split of bf16 weights (offset, batch stride) [2,5,8]·[2,6,8]ᵀ',
      inputs: [f([2, 5, 8]), f([2, 10, 8], { dtype: 'bf16', grad: false })],
      run: ([x, w]) => matmul(x, split(w, [4, 6], 1)[1], { transposeB: true }),
    },
    {
      name: 'view: matmul on bf16 weight rows at an odd offset 5x67x14',
      inputs: [f([5, 67]), f([17, 67], { dtype: 'bf16', grad: false })],
      run: ([x, w]) => matmul(x, slice(w, [3, 0], [17, 67]), { transposeB: true }),
    },
    {
      name: 'view: matmul bf16 weights through a transposed view 3x67x17',
      inputs: [f([3, 67]), f([17, 67], { dtype: 'bf16', grad: false })],
      run: ([a, w]) => matmul(a, transpose(w)),
    },
    {
      name: 'view: cast of a permuted bf16 tensor',
      inputs: [f([3, 17], { dtype: 'bf16', grad: false })],
      run: ([x]) => cast(permute(x, [1, 0]), 'f32'),
    },
    {
      name: 'view: gather from a sliced table',
      inputs: [f([20, 9]), f([7], { kind: 'ids', max: 15 })],
      run: ([t, ids]) => gather(slice(t, [3, 1], [18, 9]), ids),
    },
    {
      name: 'view: attention on permuted q, k, v [B,T,H,D]→[B,H,T,D]',
      inputs: [f([1, 6, 2, 4]), f([1, 6, 2, 4]), f([1, 6, 2, 3])],
      run: ([q, k, v]) =>
        attention(permute(q, [0, 2, 1, 3]), permute(k, [0, 2, 1, 3]), permute(v, [0, 2, 1, 3]), {
          causal: true,
          scale: 0.5,
        }),
    },
  ];
}
