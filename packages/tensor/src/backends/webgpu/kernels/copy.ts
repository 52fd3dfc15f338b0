import type { View } from '../../../backend.js';
import { contiguousStrides } from '../../../layout.js';
import { type KernelContext, launch, partsOf, SplitStorage, splitRefusal } from '../context.js';
import { ENTRY_1D, PARAMS_WGSL, Params, stridedOffset, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/** Parameter words: n, rank, src offset, dst offset, shape at 8, src strides at 14, dst strides at 20. */
const HEADER = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
${stridedOffset('src', 8, 14, 2)}
${stridedOffset('dst', 8, 20, 3)}`;

/** 32-bit elements move as raw words, so one kernel copies f32 and i32 alike. */
const COPY32 = `${HEADER}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  dst[off_dst(i, pu(1u))] = src[off_src(i, pu(1u))];
}`;

/**
 * 16-bit elements share words, and two threads may write the two halves of one destination word:
 * each clears and sets its own half with atomics.
 */
const COPY16 = `${HEADER}
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<atomic<u32>>;
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let s = off_src(i, pu(1u));
  let half = (src[s >> 1u] >> (16u * (s & 1u))) & 0xffffu;
  let d = off_dst(i, pu(1u));
  let shift = 16u * (d & 1u);
  atomicAnd(&dst[d >> 1u], ~(0xffffu << shift));
  atomicOr(&dst[d >> 1u], half << shift);
}`;

/** Whether `v` over `shape` is its whole storage, row-major. */
function isWhole(v: View, shape: readonly number[], n: number): boolean {
  const dense = contiguousStrides(shape);
  return (
    v.offset === 0 && n === v.storage.size && shape.every((d, i) => d === 1 || v.strides[i] === dense[i])
  );
}

/**
 * A storage split over several buffers (split.ts) is copied only whole, into a storage split alike
 * (same size and dtype, so the same parts): buffer to buffer, part by part.
 */
function copySplit(ctx: KernelContext, src: View, dst: View, shape: readonly number[], n: number): void {
  const split = (src.storage instanceof SplitStorage ? src.storage : dst.storage) as SplitStorage;
  const from = partsOf(src.storage);
  const to = partsOf(dst.storage);
  const alike =
    isWhole(src, shape, n) &&
    isWhole(dst, shape, n) &&
    from.length === to.length &&
    from.every((p, i) => p.start === to[i].start && p.storage.size === to[i].storage.size);
  if (!alike) throw splitRefusal(`copy of a [${shape}] view`, split);
  from.forEach((p, i) => {
    ctx.encoder.copy(p.storage.buffer, 0, to[i].storage.buffer, 0, p.storage.bytes);
  });
}

/** dst view = src view over `shape` (same dtype). */
export function copy(ctx: KernelContext, src: View, dst: View, shape: readonly number[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  if (src.storage instanceof SplitStorage || dst.storage instanceof SplitStorage) {
    copySplit(ctx, src, dst, shape, n);
    return;
  }
  const wide = src.storage.dtype === 'f32' || src.storage.dtype === 'i32';
  const p = new Params().u(n, shape.length, src.offset, dst.offset, 0, 0, 0, 0);
  p.list(shape).list(src.strides).list(dst.strides);
  launch(ctx, 'copy', wide ? COPY32 : COPY16, p, [src.storage, dst.storage], threads(n));
}
