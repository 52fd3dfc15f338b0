import type { Storage } from '../../../backend.js';
import { type KernelContext, launch, releaseScratch, scratch } from '../context.js';
import { ENTRY_1D, grid2d, output, PARAMS_WGSL, Params, WORKGROUP } from '../wgsl.js';

/** Rows up to this long are selected by one workgroup; longer rows in blocks of at least this, then merged. */
const BLOCK = 4096;
/** At most this many blocks per row, so the merge reads at most 256 k candidates. */
const MAX_BLOCKS = 256;

/**
 * Top-k by radix select. Each element gets a 64-bit key (value key, index key) that orders it exactly as
 * the op does: the value key maps f32 bits to an order-preserving u32 (-0 as +0, every NaN the largest),
 * the index key is ~index (a lower index ranks higher), so keys are unique. Eight passes over 8-bit digits,
 * most significant first, each histogram only the elements that share the digits chosen so far; the
 * selection stops as soon as the boundary bin is taken whole (usually after the value digits). Then the
 * k winners are gathered into workgroup memory and each thread places one by counting those above it.
 */
const SELECT_WGSL = /* wgsl */ `
var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> taken: atomic<u32>;
/** Prefix of the k-th key: value bits, index bits, their known-bit masks, how many still wanted, done. */
var<workgroup> st: array<u32, 6>;
var<workgroup> sel_v: array<u32, 256>;
var<workgroup> sel_i: array<u32, 256>;

fn value_key(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return 0xffffffffu; }
  if (b == 0x80000000u) { return 0x80000000u; }
  return select(b | 0x80000000u, ~b, (b & 0x80000000u) != 0u);
}

/** Selects the best 'want' (<= 256) of elements 0..n of elem() into sel_v/sel_i (unordered). */
fn select_best(n: u32, want: u32, lid: u32) {
  if (lid == 0u) { st[0] = 0u; st[1] = 0u; st[2] = 0u; st[3] = 0u; st[4] = want; st[5] = 0u; atomicStore(&taken, 0u); }
  for (var d = 0u; d < 8u; d++) {
    atomicStore(&hist[lid], 0u);
    workgroupBarrier();
    let pv = st[0]; let pi = st[1]; let mv = st[2]; let mi = st[3];
    let sh = 24u - 8u * (d % 4u);
    if (st[5] == 0u) {
      for (var j = lid; j < n; j += ${WORKGROUP}u) {
        let e = elem(j);
        if ((e.x & mv) == pv && (e.y & mi) == pi) {
          atomicAdd(&hist[(select(e.y, e.x, d < 4u) >> sh) & 255u], 1u);
        }
      }
    }
    workgroupBarrier();
    if (lid == 0u && st[5] == 0u) {
      var rest = st[4];
      var b = 255u;
      while (b > 0u && atomicLoad(&hist[b]) < rest) { rest -= atomicLoad(&hist[b]); b -= 1u; }
      if (d < 4u) { st[0] = pv | (b << sh); st[2] = mv | (255u << sh); }
      else { st[1] = pi | (b << sh); st[3] = mi | (255u << sh); }
      st[4] = rest;
      if (atomicLoad(&hist[b]) == rest) { st[5] = 1u; }
    }
    workgroupBarrier();
  }
  let pv = st[0]; let pi = st[1]; let mv = st[2]; let mi = st[3];
  for (var j = lid; j < n; j += ${WORKGROUP}u) {
    let e = elem(j);
    let hv = e.x & mv; let hi = e.y & mi;
    if (hv > pv || (hv == pv && hi >= pi)) {
      let s = atomicAdd(&taken, 1u);
      sel_v[s] = e.x; sel_i[s] = e.y;
    }
  }
  workgroupBarrier();
}

/** Position of selected element t among the 'count' selected ones (0 = best). */
fn rank_of(t: u32, count: u32) -> u32 {
  let v = sel_v[t]; let i = sel_i[t];
  var rank = 0u;
  for (var o = 0u; o < count; o++) {
    if (sel_v[o] > v || (sel_v[o] == v && sel_i[o] > i)) { rank++; }
  }
  return rank;
}
`;

type Source = 'row' | 'candidates';
type Sink = 'result' | 'candidates';

/**
 * One dispatch: a workgroup per (row, block) selects from a block of x's row ('row') or from a row's
 * block winners ('candidates'); it writes the sorted result or its own winners as candidates (keys,
 * padded to k with the key 0 that ranks below every real element). Parameter words: groups, cols, k,
 * block, blocks.
 */
function wgsl(source: Source, sink: Sink): string {
  const bindings =
    source === 'row'
      ? '@group(0) @binding(1) var<storage, read> xs: array<f32>;'
      : `@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> cand_v: array<u32>;
@group(0) @binding(3) var<storage, read> cand_i: array<u32>;`;
  const first = source === 'row' ? 2 : 4;
  const outs =
    sink === 'result'
      ? `${output('out_v', first)}\n${output('out_i', first + 1, 'i32')}`
      : `${output('cand_v', first, 'u32')}\n${output('cand_i', first + 1, 'u32')}`;
  const elem =
    source === 'row'
      ? 'fn elem(j: u32) -> vec2<u32> { return vec2<u32>(value_key(xs[row_base + start + j]), ~(start + j)); }'
      : 'fn elem(j: u32) -> vec2<u32> { return vec2<u32>(cand_v[cand_base + j], cand_i[cand_base + j]); }';
  const write =
    sink === 'result'
      ? `if (lid < want) {
    let col = ~sel_i[lid];
    let at = row * k + rank_of(lid, want);
    out_v[at] = xs[row * cols + col]; out_i[at] = i32(col);
  }`
      : `let at = group * k + lid;
  if (lid < want) { cand_v[at] = sel_v[lid]; cand_i[at] = sel_i[lid]; }
  else if (lid < k) { cand_v[at] = 0u; cand_i[at] = 0u; }`;
  return `${PARAMS_WGSL}
${bindings}
${outs}
var<private> row_base: u32;
var<private> start: u32;
var<private> cand_base: u32;
${elem}
${SELECT_WGSL}
${ENTRY_1D} {
  let group = wg.y * nwg.x + wg.x;
  if (group >= pu(0u)) { return; }
  let cols = pu(1u); let k = pu(2u); let block = pu(3u); let blocks = pu(4u);
  ${source === 'row' ? 'let row = group / blocks; start = (group % blocks) * block; row_base = row * cols; let n = min(block, cols - start);' : 'let row = group; let n = blocks * k; cand_base = row * n;'}
  let want = min(k, n);
  select_best(n, want, lid);
  ${write}
}`;
}

/** The k largest of each row of x (rows x cols): one pass for short rows, block winners then a merge for long ones. */
export function topk(
  ctx: KernelContext,
  x: Storage,
  values: Storage,
  indices: Storage,
  rows: number,
  cols: number,
  k: number,
): void {
  if (rows === 0) return;
  const block = Math.max(BLOCK, Math.ceil(cols / MAX_BLOCKS));
  const blocks = Math.ceil(cols / block);
  const params = (groups: number) => new Params().u(groups, cols, k, block, blocks);
  if (blocks === 1) {
    launch(ctx, 'topk', wgsl('row', 'result'), params(rows), [x, values, indices], grid2d(rows));
    return;
  }
  const candV = scratch(ctx, rows * blocks * k, 'i32');
  const candI = scratch(ctx, rows * blocks * k, 'i32');
  const groups = rows * blocks;
  launch(ctx, 'topk blocks', wgsl('row', 'candidates'), params(groups), [x, candV, candI], grid2d(groups));
  launch(
    ctx,
    'topk merge',
    wgsl('candidates', 'result'),
    params(rows),
    [x, candV, candI, values, indices],
    grid2d(rows),
  );
  releaseScratch(ctx, candV, candI);
}
