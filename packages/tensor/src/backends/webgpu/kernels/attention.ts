import type { AttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { grid2d } from '../wgsl.js';
import { attentionParams, blockCount, forwardCode, type TileSource } from './attention-flash.js';

/**
 * The tiles of a flash attention kernel on this device (see KernelVariants): shared by subgroupBroadcast
 * within one subgroup, or staged in workgroup memory, `width` rows wide, as wide as the adapter's
 * workgroup storage holds for these head dims (the backward stages two tiles of width·max(d, dv) floats
 * plus two words a row). Each thread owns two rows for heads up to 64 wide, one past that (its row
 * vectors and accumulators live in registers).
 */
export function attentionTiles(
  ctx: KernelContext,
  p: AttentionParams,
  tiles: number,
  f16 = false,
): TileSource {
  const { attention, subgroupSize, attentionTile } = ctx.variants;
  const rows = Math.max(p.d, p.dv) > 64 ? 1 : 2;
  if (attention === 'subgroup' && subgroupSize) return { kind: 'subgroup', width: subgroupSize, rows, f16 };
  const rowBytes = (tiles * Math.max(p.d, p.dv) + 2) * (f16 ? 2 : 4);
  let width = attentionTile;
  while (width > 1 && width * rowBytes > ctx.device.limits.maxComputeWorkgroupStorageSize) width >>= 1;
  return { kind: 'workgroup', width, rows, f16 };
}

/** out [batch, heads, tq, dv] and lse [batch, heads, tq] (see Kernels.attention). */
export function attention(
  ctx: KernelContext,
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  p: AttentionParams,
): void {
  if (p.batch * p.heads * p.tq === 0) return;
  const t = attentionTiles(ctx, p, 2, ctx.variants.f16);
  const groups = grid2d(blockCount(t, p.batch * p.heads, p.tq));
  launch(
    ctx,
    `attention (${t.kind}${t.f16 ? ', f16' : ''})`,
    forwardCode(p, t),
    attentionParams(p),
    [q, k, v, out, lse],
    groups,
  );
}
