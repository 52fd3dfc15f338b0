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
 * One token's attention over a latent cache (see Backend.latentAttention). A workgroup takes one query
 * head and one chunk of cache rows: its threads score the chunk's rows (each row against the head's
 * query) into a scratch row, take the workgroup max and sum of the exps, then each thread owns value
 * columns and sums the weighted rows down them, so a row's columns are read side by side across the
 * threads. The cache is read in place in its storage dtype.
 *
 * Up to `latentSplitAt` rows (KernelVariants) there is one chunk, the whole context, and the kernel writes
 * the normalized output: one workgroup per head. Past it (flash-decoding) the context is cut into chunks
 * of `latentChunk` rows scored by parallel workgroups, heads x chunks of them, each writing its partial
 * max m, sum l and unnormalized sums; a merge kernel rescales the chunks to the global max M:
 *   out = Σ_c exp(m_c - M) acc_c / Σ_c exp(m_c - M) l_c.
 */
function chunkCode(dtype: Storage['dtype'], split: boolean): string {
  const store = split ? `part[pb + 2u + c] = acc;` : `out[head * dv + c] = acc / total;`;
  return `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> qs: array<f32>;
${input('cache', 2, dtype)}
${output('s', 3)}
${output(split ? 'part' : 'out', 4)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  let heads = pu(0u); let len = pu(1u); let width = pu(2u); let dv = pu(3u); let scale = pf(4u);
  let chunk = pu(5u); let chunks = (len + chunk - 1u) / chunk;
  if (row >= heads * chunks) { return; }
  let head = row / chunks;
  let start = (row % chunks) * chunk; let end = min(len, start + chunk);
  let qb = head * width; let sb = head * len;
  var m = -inf();
  for (var j = start + lid; j < end; j += ${ROW_THREADS}u) {
    var dot = 0.0;
    for (var c = 0u; c < width; c++) { dot += qs[qb + c] * ld_cache(j * width + c); }
    s[sb + j] = dot * scale;
    m = max(m, dot * scale);
  }
  let mx = wg_max(m, lid);
  var e = 0.0;
  for (var j = start + lid; j < end; j += ${ROW_THREADS}u) {
    let w = exp(s[sb + j] - mx);
    s[sb + j] = w;
    e += w;
  }
  let total = wg_sum(e, lid);
  // Every thread reads every weight below: make the other threads' writes visible.
  storageBarrier();
  let pb = row * (dv + 2u);
  ${split ? 'if (lid == 0u) { part[pb] = mx; part[pb + 1u] = total; }' : ''}
  for (var c = lid; c < dv; c += ${ROW_THREADS}u) {
    var acc = 0.0;
    for (var j = start; j < end; j++) { acc += s[sb + j] * ld_cache(j * width + c); }
    ${store}
  }
}`;
}

/** out[head] from the chunks' (m, l, sums) records of dv + 2 words. */
const MERGE_WGSL = `${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> part: array<f32>;
${output('out', 2)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  let heads = pu(0u); let len = pu(1u); let dv = pu(3u); let chunk = pu(5u);
  let chunks = (len + chunk - 1u) / chunk;
  if (row >= heads) { return; }
  let rec = dv + 2u;
  var mx = -inf();
  for (var ci = 0u; ci < chunks; ci++) { mx = max(mx, part[(row * chunks + ci) * rec]); }
  var total = 0.0;
  for (var ci = 0u; ci < chunks; ci++) {
    let pb = (row * chunks + ci) * rec;
    total += exp(part[pb] - mx) * part[pb + 1u];
  }
  for (var c = lid; c < dv; c += ${ROW_THREADS}u) {
    var acc = 0.0;
    for (var ci = 0u; ci < chunks; ci++) {
      let pb = (row * chunks + ci) * rec;
      acc += exp(part[pb] - mx) * part[pb + 2u + c];
    }
    out[row * dv + c] = acc / total;
  }
}`;

export function latentAttention(
  ctx: KernelContext,
  q: Storage,
  cache: Storage,
  out: Storage,
  p: LatentAttentionParams,
): void {
  const { heads, length, width, valueDim, scale } = p;
  const { latentSplitAt, latentChunk } = ctx.variants;
  const split = length > latentSplitAt;
  const chunk = split ? latentChunk : length;
  const chunks = Math.ceil(length / chunk);
  const params = new Params().u(heads, length, width, valueDim).f(scale).u(chunk);
  const scores = scratch(ctx, heads * length, 'f32');
  const kernel = `latentAttention_${cache.dtype}${split ? ' (chunk)' : ''}`;
  const code = chunkCode(cache.dtype, split);
  if (!split) {
    launch(ctx, kernel, code, params, [q, cache, scores, out], grid2d(heads));
  } else {
    const part = scratch(ctx, heads * chunks * (valueDim + 2), 'f32');
    launch(ctx, kernel, code, params, [q, cache, scores, part], grid2d(heads * chunks));
    launch(ctx, 'latentAttention (merge)', MERGE_WGSL, params, [part, out], grid2d(heads));
    releaseScratch(ctx, part);
  }
  releaseScratch(ctx, scores);
}
