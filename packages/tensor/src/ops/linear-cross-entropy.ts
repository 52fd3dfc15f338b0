import { isGradEnabled, noGrad, record } from '../autograd.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { full } from './creation.js';
import type { CrossEntropyOptions } from './cross-entropy.js';
import { add, div, maximum, mul } from './elementwise.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { concat, reshape, slice } from './shape.js';
import { newTensor, requireDType, sameBackend, sameShape, shapeError } from './util.js';

export interface LinearCrossEntropyOptions extends CrossEntropyOptions {
  /** Token rows per chunk (default: as many as keep a chunk's logits near 4 Mi values, 16 MiB). */
  chunkRows?: number;
}

const CHUNK_VALUES = 4 * 2 ** 20;

/**
 * crossEntropy(x · weightᵀ, targets) without the [N, V] logits: the head (x [..., d] f32, weight [V, d]
 * f32/f16/bf16 or q8/q4, e.g. a tied embedding) and the loss run over chunks of token rows, each chunk's logits
 * [rows, V] made, turned into loss and gradient, and dropped. Same result and options as crossEntropy.
 *
 * When a gradient is wanted, the forward also computes it: per chunk dLogits = weight·(softmax − onehot)
 * (in place of the chunk's logits), dx = dLogits · weight and dW += dLogitsᵀ · x; the backward only scales
 * them by dLoss / count. Chunking over token rows rather than over the vocabulary means each chunk's
 * softmax is complete at once, so no logits are computed twice; the price is adding each chunk's [V, d] dW.
 */
export function linearCrossEntropy(
  x: Tensor,
  weight: Tensor,
  targets: Tensor,
  opts: LinearCrossEntropyOptions = {},
): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const mask = opts.mask ?? null;
  const ts = mask ? [x, weight, targets, mask] : [x, weight, targets];
  const backend = sameBackend('linearCrossEntropy', ts);
  requireDType('linearCrossEntropy', ts, x, ['f32']);
  requireDType('linearCrossEntropy', ts, weight, ['f32', 'f16', 'bf16', 'q8', 'q4']);
  requireDType('linearCrossEntropy', ts, targets, ['i32']);
  if (mask) requireDType('linearCrossEntropy', ts, mask, ['f32']);
  const d = x.shape[x.rank - 1];
  if (weight.rank !== 2 || weight.shape[1] !== d) {
    throw shapeError('linearCrossEntropy', ts, `weight must be [V, ${d}] (d is the last dim of x)`);
  }
  if (!sameShape(x.shape.slice(0, -1), targets.shape) || (mask && !sameShape(mask.shape, targets.shape))) {
    throw shapeError('linearCrossEntropy', ts, 'targets (and mask) must match the leading dims of x');
  }
  const [n, v] = [targets.size, weight.shape[0]];
  const chunk = opts.chunkRows ?? Math.max(1, Math.floor(CHUNK_VALUES / v));
  if (!Number.isInteger(chunk) || chunk < 1) {
    throw shapeError('linearCrossEntropy', ts, `chunkRows must be a positive integer, got ${chunk}`);
  }
  const wantX = isGradEnabled() && x.requiresGrad;
  const wantW = isGradEnabled() && weight.requiresGrad;
  const { y, count, dx, dw } = noGrad(() =>
    tidy(() => {
      const x2 = reshape(x, [n, d]);
      const t1 = reshape(targets, [n]);
      const m1 = mask ? reshape(mask, [n]) : null;
      const one = wantX || wantW ? full([1], 1, { backend }) : null;
      let total: Tensor | null = null;
      let weightSum: Tensor | null = null;
      let dwSum: Tensor | null = null;
      const dxParts: Tensor[] = [];
      for (let r0 = 0; r0 < n; r0 += chunk) {
        const r1 = Math.min(n, r0 + chunk);
        const xc = slice(x2, [r0, 0], [r1, d]);
        const tc = slice(t1, [r0], [r1]).storage;
        const mc = m1 ? slice(m1, [r0], [r1]).storage : null;
        const logits = matmul(xc, weight, { transposeB: true });
        const rowLoss = newTensor(backend, [r1 - r0], 'f32');
        const rowWeight = newTensor(backend, [r1 - r0], 'f32');
        const loss = [rowLoss.storage, rowWeight.storage] as const;
        let dLogits = logits;
        if (!one) {
          backend.crossEntropy(logits.storage, tc, mc, ...loss, r1 - r0, v, ignoreIndex);
        } else if (backend.crossEntropyGrad) {
          backend.crossEntropyGrad(logits.storage, tc, mc, ...loss, logits.storage, r1 - r0, v, ignoreIndex);
        } else {
          // no one-pass kernel: the two crossEntropy kernels, the backward's at scale 1 (applied later)
          backend.crossEntropy(logits.storage, tc, mc, ...loss, r1 - r0, v, ignoreIndex);
          dLogits = newTensor(backend, [r1 - r0, v], 'f32');
          backend.crossEntropyBackward(
            logits.storage,
            tc,
            mc,
            one.storage,
            dLogits.storage,
            r1 - r0,
            v,
            ignoreIndex,
          );
        }
        if (wantX) dxParts.push(matmul(dLogits, weight));
        if (wantW) {
          const g = matmul(dLogits, xc, { transposeA: true });
          dwSum = dwSum ? add(dwSum, g) : g;
        }
        total = total ? add(total, sum(rowLoss)) : sum(rowLoss);
        weightSum = weightSum ? add(weightSum, sum(rowWeight)) : sum(rowWeight);
      }
      const count = maximum(weightSum ?? full([], 0, { backend }), 1e-20);
      const y = div(total ?? full([], 0, { backend }), count);
      const dx = wantX ? reshape(concat(dxParts, 0), x.shape) : null;
      return { y, count, dx, dw: dwSum };
    }),
  );
  record(
    y,
    [x, weight],
    (dy) => {
      const scale = div(dy, count);
      return [dx ? mul(dx, scale) : null, dw ? mul(dw, scale) : null];
    },
    [count, ...(dx ? [dx] : []), ...(dw ? [dw] : [])],
  );
  return y;
}
