import type { LatentAttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch, releaseScratch, scratch } from '../context.js';
import {
  ENTRY_ROW,
  grid2d,
  input,
  output,
  PARAMS_WGSL,
  Params,
  ROW_INDEX,
  ROW_REDUCE_WGSL,
  ROW_THREADS,
} from '../wgsl.js';

/**
 * One token's attention over a latent cache (see Backend.latentAttention), one workgroup per query head:
 * the threads score the cache rows (each row against the head's query) into a scratch row, take the
 * workgroup max and sum of the exps, then each thread owns value columns and sums the weighted rows down
 * them, so a row's columns are read side by side across the threads. The cache is read in place in its
 * storage dtype.
 */
export function latentAttention(
  ctx: KernelContext,
  q: Storage,
  cache: Storage,
  out: Storage,
  p: LatentAttentionParams,
): void {
  const { heads, length, width, valueDim, scale } = p;
  const scores = scratch(ctx, heads * length, 'f32');
  const code = `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> qs: array<f32>;
${input('cache', 2, cache.dtype)}
${output('s', 3)}
${output('out', 4)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  if (row >= pu(0u)) { return; }
  let len = pu(1u); let width = pu(2u); let dv = pu(3u); let scale = pf(4u);
  let qb = row * width; let sb = row * len;
  var m = -inf();
  for (var j = lid; j < len; j += ${ROW_THREADS}u) {
    var dot = 0.0;
    for (var c = 0u; c < width; c++) { dot += qs[qb + c] * ld_cache(j * width + c); }
    s[sb + j] = dot * scale;
    m = max(m, dot * scale);
  }
  let mx = wg_max(m, lid);
  var e = 0.0;
  for (var j = lid; j < len; j += ${ROW_THREADS}u) {
    let w = exp(s[sb + j] - mx);
    s[sb + j] = w;
    e += w;
  }
  let total = wg_sum(e, lid);
  // Every thread reads every weight below: make the other threads' writes visible.
  storageBarrier();
  for (var c = lid; c < dv; c += ${ROW_THREADS}u) {
    var acc = 0.0;
    for (var j = 0u; j < len; j++) { acc += s[sb + j] * ld_cache(j * width + c); }
    out[row * dv + c] = acc / total;
  }
}`;
  const params = new Params().u(heads, length, width, valueDim).f(scale);
  launch(ctx, `latentAttention_${cache.dtype}`, code, params, [q, cache, scores, out], grid2d(heads));
  releaseScratch(ctx, scores);
}
