import { cast, gather, matmul, slice, type Tensor } from '../../src/index.js';
import type { Case, InputSpec } from './cases.js';

const f = (shape: number[], extra: Partial<InputSpec> = {}): InputSpec => ({ shape, ...extra });

/**
 * Block-quantized weights (q8, q4) as matmul's b, gather's table and cast's input. The input values are
 * quantized on the host for every backend alike, so the f64 reference computes dequantize-then-f64 and a
 * backend must match it to f32 accuracy. Sizes: m 1 (decode GEMV), 3, 17, 64; n and k multiples of 32 that
 * are not multiples of the 64-wide tiles; batched weights read at a block-aligned offset.
 */
export function quantCases(): Case[] {
  const cases: Case[] = [];
  for (const dtype of ['q8', 'q4'] as const) {
    const w = (shape: number[]) => f(shape, { dtype, grad: false });
    for (const [m, k, n] of [
      [1, 96, 160],
      [3, 160, 96],
      [17, 96, 32],
      [64, 32, 224],
    ]) {
      cases.push({
        name: `matmul ${dtype} weights ${m}x${k}x${n} bT`,
        inputs: [f([m, k]), w([n, k])],
        run: ([x, wt]) => matmul(x, wt, { transposeB: true }),
      });
      cases.push({
        name: `matmul ${dtype} weights ${m}x${k}x${n}`,
        inputs: [f([m, k]), w([k, n])],
        run: ([x, wt]) => matmul(x, wt),
      });
    }
    // a batch of 2 of the weights [3, 96, 64] from the second on (bOffset 96·64, bBatchStride 96·64). Forward
    // only: the gradient of x casts b to f32, which a quantized view (offset ≠ 0) cannot be read as.
    const tail = (wt: Tensor) => slice(wt, [1, 0, 0], [3, 96, 64]);
    cases.push({
      name: `matmul ${dtype} batched weights at an offset [2,1,64]·[2,64,96]ᵀ`,
      inputs: [f([2, 1, 64], { grad: false }), w([3, 96, 64])],
      run: ([x, wt]) => matmul(x, tail(wt), { transposeB: true }),
    });
    cases.push({
      name: `matmul ${dtype} batched weights at an offset [2,5,96]·[2,96,64]`,
      inputs: [f([2, 5, 96], { grad: false }), w([3, 96, 64])],
      run: ([x, wt]) => matmul(x, tail(wt)),
    });
    cases.push({
      name: `gather ${dtype} table`,
      inputs: [w([17, 96]), f([2, 5], { kind: 'ids', max: 17 })],
      run: ([t, ids]) => gather(t, ids),
    });
    for (const to of ['f32', 'f16', 'bf16'] as const) {
      cases.push({
        name: `cast ${dtype}→${to}`,
        inputs: [w([3, 64])],
        run: ([t]) => (to === 'f32' ? cast(t, to) : cast(cast(t, to), 'f32')),
      });
    }
  }
  return cases;
}
