import type { MatmulParams, Storage, View } from '../../../backend.js';
import { DeviceError } from '../../../errors.js';
import { type KernelContext, releaseScratch, SplitStorage, scratch, splitRefusal } from '../context.js';
import { copy } from './copy.js';
import { binary } from './elementwise.js';

type MatmulKernel = (ctx: KernelContext, a: Storage, b: Storage, out: Storage, p: MatmulParams) => void;

/**
 * out = a @ b where the weight b is split over several buffers along its stored rows (split.ts), each part
 * run through the ordinary kernels (`run`):
 *   b stored [n, k] (x @ Wᵀ, the tied LM head over vocabulary chunks): part j holds output columns
 *     [n0, n1); its product [batch, m, n1 - n0] lands in a scratch and is copied into those columns of out;
 *   b stored [k, n] (x @ W): part j holds k rows [k0, k1); the matching columns of a are copied dense, and
 *     the part products are summed into out.
 * Only a whole weight is read this way (bOffset 0, one matrix broadcast over the batch); a and out are
 * single-buffer storages.
 */
export function matmulSplit(
  ctx: KernelContext,
  a: Storage,
  b: SplitStorage,
  out: Storage,
  p: MatmulParams,
  run: MatmulKernel,
): void {
  if (out instanceof SplitStorage) throw splitRefusal('matmul (output)', out);
  const refuse = (why: string) =>
    new DeviceError(
      `matmul: the ${b.dtype} weight of ${b.size} elements spans ${b.parts.length} buffers (at most ${b.maxPartBytes} bytes each) and ${why}`,
    );
  if ((p.bOffset ?? 0) !== 0 || (p.batch > 1 && p.bBatchStride !== 0)) {
    throw refuse(
      `is read from offset ${p.bOffset ?? 0} with batch stride ${p.bBatchStride}: a split weight is read whole, broadcast over the batch`,
    );
  }
  const rowLen = p.transposeB ? p.k : p.n;
  if (b.parts.some((part) => part.start % rowLen !== 0 || part.storage.size % rowLen !== 0)) {
    throw refuse(`its parts are not whole rows of ${rowLen} elements`);
  }
  const { batch, m, n, k } = p;
  const whole = { bOffset: 0, bBatchStride: 0 };
  if (p.transposeB) {
    for (const { start, storage } of b.parts) {
      const cols = storage.size / k;
      const part = scratch(ctx, batch * m * cols, 'f32');
      run(ctx, a, storage, part, { ...p, ...whole, n: cols });
      copy(
        ctx,
        { storage: part, offset: 0, strides: [m * cols, cols, 1] },
        { storage: out, offset: start / k, strides: [m * n, n, 1] },
        [batch, m, cols],
      );
      releaseScratch(ctx, part);
    }
    return;
  }
  const aOffset = p.aOffset ?? 0;
  b.parts.forEach(({ start, storage }, j) => {
    const k0 = start / n;
    const rows = storage.size / n;
    // the columns [k0, k0 + rows) of a, dense [batch, m, rows]
    const slice = scratch(ctx, batch * m * rows, 'f32');
    const from: View = p.transposeA
      ? { storage: a, offset: aOffset + k0 * m, strides: [p.aBatchStride, 1, m] }
      : { storage: a, offset: aOffset + k0, strides: [p.aBatchStride, k, 1] };
    copy(ctx, from, { storage: slice, offset: 0, strides: [m * rows, rows, 1] }, [batch, m, rows]);
    const dense = { ...whole, k: rows, transposeA: false, aBatchStride: m * rows, aOffset: 0 };
    if (j === 0) {
      run(ctx, slice, storage, out, { ...p, ...dense });
    } else {
      const product = scratch(ctx, out.size, 'f32');
      run(ctx, slice, storage, product, { ...p, ...dense });
      const flat = (s: Storage): View => ({ storage: s, offset: 0, strides: [1] });
      binary(ctx, 'add', flat(out), flat(product), out, [out.size]);
      releaseScratch(ctx, product);
    }
    releaseScratch(ctx, slice);
  });
}
