import { record } from '../autograd.js';
import type { Storage } from '../backend.js';
import { isQuantized, QUANT_BLOCK } from '../quant.js';
import type { Tensor } from '../tensor.js';
import { sumToShape } from './reduce.js';
import { broadcastTo, reshape } from './shape.js';
import { broadcastShapes, newTensor, requireDType, sameBackend, sameShape, shapeError } from './util.js';

export interface MatmulOptions {
  /** Use aᵀ: a is stored [..., K, M]. */
  transposeA?: boolean;
  /** Use bᵀ: b is stored [..., N, K] (a Linear weight [out, in]). */
  transposeB?: boolean;
}

/**
 * a [..., M, K] @ b [..., K, N] → f32 [..., M, N], batch dims broadcast. a is f32; b may be f32, f16, bf16
 * or block-quantized q8/q4 (stored weights, read in place), always accumulated in f32. A 2-D b is shared by
 * every batch matrix without copies.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const transposeA = opts.transposeA ?? false;
  const transposeB = opts.transposeB ?? false;
  const ts = [a, b];
  const backend = sameBackend('matmul', ts);
  requireDType('matmul', ts, a, ['f32']);
  requireDType('matmul', ts, b, ['f32', 'f16', 'bf16', 'q8', 'q4']);
  if (a.rank < 2 || b.rank < 2) throw shapeError('matmul', ts, 'both operands need at least 2 dims');
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== kb) {
    const flags = `${transposeA ? 'aᵀ' : 'a'} @ ${transposeB ? 'bᵀ' : 'b'}`;
    throw shapeError('matmul', ts, `inner dims differ for ${flags}: ${k} vs ${kb}`);
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batchShape = broadcastShapes('matmul', ts, aBatch, bBatch);
  const batch = batchShape.reduce((x, y) => x * y, 1);
  // operands whose batch dims neither match nor are absent are read as broadcast views (rare)
  const aFull =
    aBatch.length === 0 || sameShape(aBatch, batchShape) ? a : broadcastTo(a, [...batchShape, ar, ac]);
  const bFull =
    bBatch.length === 0 || sameShape(bBatch, batchShape) ? b : broadcastTo(b, [...batchShape, br, bc]);
  const aIn = matrixOperand(aFull);
  const bIn = matrixOperand(bFull);
  if (isQuantized(b.dtype) && (bIn.offset % QUANT_BLOCK !== 0 || bIn.batchStride % QUANT_BLOCK !== 0)) {
    throw shapeError(
      'matmul',
      ts,
      `a ${b.dtype} weight is read in whole blocks of ${QUANT_BLOCK}: its view must start and step on one`,
    );
  }
  const y = newTensor(backend, [...batchShape, m, n], 'f32');
  backend.matmul(aIn.storage, bIn.storage, y.storage, {
    batch,
    m,
    n,
    k,
    transposeA: transposeA !== aIn.transposed,
    transposeB: transposeB !== bIn.transposed,
    aBatchStride: aIn.batchStride,
    bBatchStride: bIn.batchStride,
    aOffset: aIn.offset,
    bOffset: bIn.offset,
  });
  if (aFull !== a) aFull.dispose();
  if (bFull !== b) bFull.dispose();
  record(y, ts, (dy) => [
    a.requiresGrad ? fitGrad(gradA(dy, b, transposeA, transposeB), a.shape) : null,
    b.requiresGrad ? fitGrad(gradB(dy, a, b.rank, transposeA, transposeB), b.shape) : null,
  ]);
  return y;
}

/**
 * How the kernel reads t as a batch of matrices: straight from t's storage, from t's offset, when each
 * matrix is row-major or has its last two dims swapped (as `transpose(w)` gives; that flips the kernel's
 * transpose flag) and the batch dims step by one stride (0: one matrix shared by the batch); else from
 * t's dense copy.
 */
function matrixOperand(t: Tensor): {
  storage: Storage;
  offset: number;
  transposed: boolean;
  batchStride: number;
} {
  const [rows, cols] = t.shape.slice(-2);
  const [rowStride, colStride] = t.strides.slice(-2);
  const batch = t.shape.slice(0, -2).flatMap((d, i) => (d === 1 ? [] : [{ d, stride: t.strides[i] }]));
  const uniform = batch.every((b, j) => j === 0 || batch[j - 1].stride === b.stride * b.d);
  const plain = (rows === 1 || rowStride === cols) && (cols === 1 || colStride === 1);
  const swapped = (rows === 1 || rowStride === 1) && (cols === 1 || colStride === rows);
  if (uniform && (plain || swapped)) {
    const batchStride = batch.length === 0 ? 0 : batch[batch.length - 1].stride;
    return { storage: t.view.storage, offset: t.offset, transposed: !plain, batchStride };
  }
  return { storage: t.storage, offset: 0, transposed: false, batchStride: t.rank === 2 ? 0 : rows * cols };
}

/** dA for y = op(a) @ op(b): dy @ op(b)ᵀ, or its transpose when a was transposed. */
function gradA(dy: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  const bf = b.dtype === 'f32' ? b : b.cast('f32');
  return transposeA
    ? matmul(bf, dy, { transposeA: transposeB, transposeB: true })
    : matmul(dy, bf, { transposeB: !transposeB });
}

/** dB: op(a)ᵀ @ dy, or its transpose when b was transposed. A 2-D b folds the batch into M first. */
function gradB(dy: Tensor, a: Tensor, bRank: number, transposeA: boolean, transposeB: boolean): Tensor {
  if (bRank === 2 && a.rank > 2 && !transposeA) {
    const a2 = reshape(a, [-1, a.shape[a.rank - 1]]);
    const dy2 = reshape(dy, [-1, dy.shape[dy.rank - 1]]);
    return transposeB ? matmul(dy2, a2, { transposeA: true }) : matmul(a2, dy2, { transposeA: true });
  }
  return transposeB
    ? matmul(dy, a, { transposeA: true, transposeB: transposeA })
    : matmul(a, dy, { transposeA: !transposeA });
}

/** Reduce broadcast batch dims of a gradient back to the operand's shape. */
function fitGrad(g: Tensor, shape: readonly number[]): Tensor {
  return sameShape(g.shape, shape) ? g : sumToShape(g, shape);
}
