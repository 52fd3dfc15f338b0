import { record } from '../autograd.js';
import type { Tensor } from '../tensor.js';
import { div, maximum } from './elementwise.js';
import { sum } from './reduce.js';
import { newTensor, requireDType, sameBackend, sameShape, shapeError } from './util.js';

export interface CrossEntropyOptions {
  /** Targets equal to this are not counted (default -100, as in PyTorch). */
  ignoreIndex?: number;
  /** f32 per-token weights (0/1 loss mask), shaped like targets. */
  mask?: Tensor;
}

/**
 * Mean cross-entropy over counted tokens: logits [..., V] f32, targets i32 [...] (same leading shape).
 * A token counts with weight (target != ignoreIndex) * mask; the result is Σ weight·nll / Σ weight
 * (0 when nothing counts). Targets must lie in [0, V) unless ignored.
 */
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const mask = opts.mask ?? null;
  const ts = mask ? [logits, targets, mask] : [logits, targets];
  const backend = sameBackend('crossEntropy', ts);
  requireDType('crossEntropy', ts, logits, ['f32']);
  requireDType('crossEntropy', ts, targets, ['i32']);
  if (mask) requireDType('crossEntropy', ts, mask, ['f32']);
  const v = logits.shape[logits.rank - 1];
  const n = targets.size;
  if (
    !sameShape(logits.shape.slice(0, -1), targets.shape) ||
    (mask && !sameShape(mask.shape, targets.shape))
  ) {
    throw shapeError('crossEntropy', ts, 'targets (and mask) must match the leading dims of logits');
  }
  const rowLoss = newTensor(backend, [n], 'f32');
  const weight = newTensor(backend, [n], 'f32');
  const m = mask?.storage ?? null;
  backend.crossEntropy(
    logits.storage,
    targets.storage,
    m,
    rowLoss.storage,
    weight.storage,
    n,
    v,
    ignoreIndex,
  );
  const total = sum(rowLoss);
  const weightSum = sum(weight);
  const count = maximum(weightSum, 1e-20);
  const y = div(total, count);
  for (const t of [rowLoss, weight, total, weightSum]) t.dispose();
  record(
    y,
    [logits],
    (dy) => {
      const scale = div(dy, count);
      const dLogits = newTensor(backend, logits.shape, 'f32');
      backend.crossEntropyBackward(
        logits.storage,
        targets.storage,
        m,
        scale.storage,
        dLogits.storage,
        n,
        v,
        ignoreIndex,
      );
      return [dLogits];
    },
    [count],
  );
  return y;
}
