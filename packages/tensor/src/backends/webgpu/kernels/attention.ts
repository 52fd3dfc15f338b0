import type { AttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { grid2d, output, PARAMS_WGSL, Params } from '../wgsl.js';
import { attentionRows } from './attention-rows.js';
import { attentionFlash } from './attention-flash.js';

/** Keys per block of the online softmax; also the workgroup size (one thread per key of a block). */
export const BLOCK = 64;

/**
 * Parameter words shared by the attention kernels: batch, heads, kvHeads, tq, tk, d, dv, causal,
 * queryOffset, scale. `ATTENTION_WGSL` decodes a workgroup's (b, h, row) and the visible key range.
 */
export function attentionParams(p: AttentionParams): Params {
  return new Params()
    .u(p.batch, p.heads, p.kvHeads, p.tq, p.tk, p.d, p.dv, p.causal ? 1 : 0, p.queryOffset)
    .f(p.scale);
}

export const ATTENTION_WGSL = /* wgsl */ `
fn heads() -> u32 { return pu(1u); }
fn kv_heads() -> u32 { return pu(2u); }
fn tq() -> u32 { return pu(3u); }
fn tk() -> u32 { return pu(4u); }
fn dk() -> u32 { return pu(5u); }
fn dv() -> u32 { return pu(6u); }
fn scale() -> f32 { return pf(9u); }
/** The KV head query head h reads: its own, or the single shared one. */
fn kv_head(h: u32) -> u32 { return h / (heads() / kv_heads()); }
/** Number of keys query row i sees (causal: keys j <= queryOffset + i). */
fn visible_keys(i: u32) -> u32 { return select(tk(), min(tk(), pu(8u) + i + 1u), pu(7u) == 1u); }
var<workgroup> blk: array<f32, ${BLOCK}>;
var<workgroup> red: array<f32, ${BLOCK}>;
fn block_reduce(v: f32, lid: u32, is_max: bool) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${BLOCK / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = select(red[lid] + red[lid + s], max(red[lid], red[lid + s]), is_max); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

/** Per-thread registers for a row of `dim` values spread over the BLOCK threads of a workgroup. */
export function perThread(dim: number): number {
  return Math.max(1, Math.ceil(dim / BLOCK));
}

/**
 * Flash-style forward: one workgroup per (batch, head, query row). Keys are visited in blocks of 64, one
 * thread per key computing its score; an online softmax (running max m and sum l, rescaling the output
 * accumulator by exp(m_old - m_new)) means the [tq, tk] score matrix never exists. Each thread owns the
 * output columns c ≡ lid (mod 64), so value rows are read coalesced.
 */
function forwardCode(p: AttentionParams): string {
  const dvt = perThread(p.dv);
  return `${PARAMS_WGSL}${ATTENTION_WGSL}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
${output('out', 4)}
${output('lse', 5)}
var<workgroup> q_row: array<f32, ${p.d}>;
@compute @workgroup_size(${BLOCK})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= pu(0u) * heads() * tq()) { return; }
  let i = row % tq(); let bh = row / tq(); let b = bh / heads(); let h = bh % heads();
  let kvbase = (b * kv_heads() + kv_head(h)) * tk();
  for (var c = lid; c < dk(); c += ${BLOCK}u) { q_row[c] = q[row * dk() + c] * scale(); }
  workgroupBarrier();
  let kend = visible_keys(i);
  var m = -inf(); var l = 0.0;
  var acc: array<f32, ${dvt}>;
  for (var kb = 0u; kb < kend; kb += ${BLOCK}u) {
    let j = kb + lid;
    var s = -inf();
    if (j < kend) {
      s = 0.0;
      let kr = (kvbase + j) * dk();
      for (var c = 0u; c < dk(); c++) { s = fma(q_row[c], k[kr + c], s); }
    }
    let m_new = max(m, block_reduce(s, lid, true));
    let pj = select(0.0, exp(s - m_new), j < kend);
    let alpha = exp(m - m_new);
    l = l * alpha + block_reduce(pj, lid, false);
    blk[lid] = pj;
    workgroupBarrier();
    let n = min(${BLOCK}u, kend - kb);
    for (var t = 0u; t < ${dvt}u; t++) {
      let c = lid + t * ${BLOCK}u;
      if (c < dv()) {
        var a = acc[t] * alpha;
        for (var jj = 0u; jj < n; jj++) { a = fma(blk[jj], v[(kvbase + kb + jj) * dv() + c], a); }
        acc[t] = a;
      }
    }
    workgroupBarrier();
    m = m_new;
  }
  for (var t = 0u; t < ${dvt}u; t++) {
    let c = lid + t * ${BLOCK}u;
    if (c < dv()) { out[row * dv() + c] = select(0.0, acc[t] / l, l > 0.0); }
  }
  if (lid == 0u) { lse[row] = select(-inf(), m + log(l), l > 0.0); }
}`;
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
  const rows = p.batch * p.heads * p.tq;
  if (rows === 0) return;
  // Software adapters (lavapipe) run the barrier-free one-thread-per-row kernels.
  if (process.env.ATT_FLASH) { attentionFlash(ctx, q, k, v, out, lse, p); return; }
  if (ctx.software) {
    attentionRows(ctx, q, k, v, out, lse, p);
    return;
  }
  launch(ctx, 'attention', forwardCode(p), attentionParams(p), [q, k, v, out, lse], grid2d(rows));
}
