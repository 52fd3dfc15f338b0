import type { Storage } from '../../../backend.js';
import { type KernelContext, launch, releaseScratch, scratch } from '../context.js';
import { ENTRY_1D, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/**
 * Pass 1, one thread per id position i: links[2i] = the next position with the same id (-1 at the end
 * of the chain) and links[2i+1] = 1 when i is the first position of its id.
 */
const LINK = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
@group(0) @binding(1) var<storage, read> ids: array<i32>;
${output('links', 2, 'i32')}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  let n = pu(0u);
  if (i >= n) { return; }
  let id = ids[i];
  var next = -1;
  for (var j = i + 1u; j < n; j++) { if (ids[j] == id) { next = i32(j); break; } }
  var first = 1;
  for (var j = i32(i) - 1; j >= 0; j--) { if (ids[j] == id) { first = 0; break; } }
  links[2u * i] = next;
  links[2u * i + 1u] = first;
}`;

/**
 * Pass 2, one thread per (first position of an id, column): walks the chain in ascending position order,
 * so every table row is summed in the same order on every run (deterministic, no float atomics).
 */
const ACCUMULATE = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
@group(0) @binding(1) var<storage, read> d_out: array<f32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read> links: array<i32>;
${output('d_table', 4)}
${ENTRY_1D} {
  let t = thread_index(wg, nwg, lid);
  let dim = pu(1u);
  if (t >= pu(0u) * dim) { return; }
  let i = t / dim; let col = t % dim;
  if (links[2u * i + 1u] == 0) { return; }
  let dst = u32(ids[i]) * dim + col;
  var s = d_table[dst];
  var j = i32(i);
  loop {
    if (j < 0) { break; }
    s += d_out[u32(j) * dim + col];
    j = links[2u * u32(j)];
  }
  d_table[dst] = s;
}`;

/** dTable [rows, dim] += dOut [n, dim] scattered to rows ids[i]; duplicates accumulate in position order. */
export function scatterAdd(
  ctx: KernelContext,
  dOut: Storage,
  ids: Storage,
  dTable: Storage,
  n: number,
  dim: number,
): void {
  if (n * dim === 0) return;
  const links = scratch(ctx, 2 * n, 'i32');
  const p = new Params().u(n, dim);
  launch(ctx, 'scatterAdd (link)', LINK, p, [ids, links], threads(n));
  launch(ctx, 'scatterAdd', ACCUMULATE, p, [dOut, ids, links, dTable], threads(n * dim));
  releaseScratch(ctx, links);
}
