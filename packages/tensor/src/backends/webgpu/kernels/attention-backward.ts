import type { AttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch, releaseScratch, scratch } from '../context.js';
import { grid2d, output, PARAMS_WGSL } from '../wgsl.js';
import { ATTENTION_WGSL, attentionParams, BLOCK, perThread } from './attention.js';
import { attentionRowsBackward } from './attention-rows.js';

/**
 * Backward of the flash forward, recomputing probabilities from the saved logsumexp:
 *   P_ij = exp(scale q_i·k_j - lse_i), dP_ij = dO_i·v_j, dS_ij = P_ij (dP_ij - D_i), D_i = dO_i·O_i,
 *   dq_i = scale Σ_j dS_ij k_j,  dk_j = scale Σ_i dS_ij q_i,  dv_j = Σ_i P_ij dO_i.
 * Two passes, both without atomics (deterministic): one workgroup per query row computes D_i and dq_i;
 * one workgroup per key row sums dk_j and dv_j over every query head that reads it (all heads for a
 * shared KV head) and every query row that sees it.
 */

const BINDINGS = `
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> d_out: array<f32>;`;

/** Pass 1: D_i (written to `dsum` for pass 2) and dq_i. Bindings 6 = out, 7 = dq, 8 = dsum. */
function queryPass(p: AttentionParams): string {
  const dt = perThread(p.d);
  return `${PARAMS_WGSL}${ATTENTION_WGSL}${BINDINGS}
@group(0) @binding(6) var<storage, read> o: array<f32>;
${output('dq', 7)}
${output('dsum', 8)}
var<workgroup> q_row: array<f32, ${p.d}>;
var<workgroup> do_row: array<f32, ${p.dv}>;
@compute @workgroup_size(${BLOCK})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= pu(0u) * heads() * tq()) { return; }
  let i = row % tq(); let bh = row / tq(); let b = bh / heads(); let h = bh % heads();
  let kvbase = (b * kv_heads() + kv_head(h)) * tk();
  for (var c = lid; c < dk(); c += ${BLOCK}u) { q_row[c] = q[row * dk() + c]; }
  var part = 0.0;
  for (var c = lid; c < dv(); c += ${BLOCK}u) {
    let g = d_out[row * dv() + c];
    do_row[c] = g;
    part += g * o[row * dv() + c];
  }
  let big_d = block_reduce(part, lid, false);
  if (lid == 0u) { dsum[row] = big_d; }
  let row_lse = lse[row];
  let kend = visible_keys(i);
  var acc: array<f32, ${dt}>;
  for (var kb = 0u; kb < kend; kb += ${BLOCK}u) {
    let j = kb + lid;
    var ds = 0.0;
    if (j < kend) {
      var s = 0.0; var dp = 0.0;
      for (var c = 0u; c < dk(); c++) { s = fma(q_row[c], k[(kvbase + j) * dk() + c], s); }
      for (var c = 0u; c < dv(); c++) { dp = fma(do_row[c], v[(kvbase + j) * dv() + c], dp); }
      ds = exp(s * scale() - row_lse) * (dp - big_d);
    }
    blk[lid] = ds;
    workgroupBarrier();
    let n = min(${BLOCK}u, kend - kb);
    for (var t = 0u; t < ${dt}u; t++) {
      let c = lid + t * ${BLOCK}u;
      if (c < dk()) {
        var a = acc[t];
        for (var jj = 0u; jj < n; jj++) { a = fma(blk[jj], k[(kvbase + kb + jj) * dk() + c], a); }
        acc[t] = a;
      }
    }
    workgroupBarrier();
  }
  for (var t = 0u; t < ${dt}u; t++) {
    let c = lid + t * ${BLOCK}u;
    if (c < dk()) { dq[row * dk() + c] = acc[t] * scale(); }
  }
}`;
}

/** Pass 2: dk_j and dv_j, one workgroup per (batch, kv head, key row). Bindings 6 = dsum, 7 = dk, 8 = dv. */
function keyPass(p: AttentionParams): string {
  const dt = perThread(p.d);
  const dvt = perThread(p.dv);
  return `${PARAMS_WGSL}${ATTENTION_WGSL}${BINDINGS}
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
${output('dk_out', 7)}
${output('dv_out', 8)}
var<workgroup> k_row: array<f32, ${p.d}>;
var<workgroup> v_row: array<f32, ${p.dv}>;
var<workgroup> p_blk: array<f32, ${BLOCK}>;
@compute @workgroup_size(${BLOCK})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let krow = wg.y * nwg.x + wg.x;
  if (krow >= pu(0u) * kv_heads() * tk()) { return; }
  let j = krow % tk(); let bkh = krow / tk(); let b = bkh / kv_heads(); let kh = bkh % kv_heads();
  for (var c = lid; c < dk(); c += ${BLOCK}u) { k_row[c] = k[krow * dk() + c]; }
  for (var c = lid; c < dv(); c += ${BLOCK}u) { v_row[c] = v[krow * dv() + c]; }
  workgroupBarrier();
  // Causal: query row i sees key j when queryOffset + i >= j.
  var i0 = 0u;
  if (pu(7u) == 1u && j > pu(8u)) { i0 = j - pu(8u); }
  var acc_k: array<f32, ${dt}>;
  var acc_v: array<f32, ${dvt}>;
  let group = heads() / kv_heads();
  for (var h = kh * group; h < (kh + 1u) * group; h++) {
    let qbase = (b * heads() + h) * tq();
    for (var ib = i0; ib < tq(); ib += ${BLOCK}u) {
      let i = ib + lid;
      var pij = 0.0; var ds = 0.0;
      if (i < tq()) {
        let row = qbase + i;
        var s = 0.0; var dp = 0.0;
        for (var c = 0u; c < dk(); c++) { s = fma(q[row * dk() + c], k_row[c], s); }
        for (var c = 0u; c < dv(); c++) { dp = fma(d_out[row * dv() + c], v_row[c], dp); }
        pij = exp(s * scale() - lse[row]);
        ds = pij * (dp - dsum[row]);
      }
      p_blk[lid] = pij;
      blk[lid] = ds;
      workgroupBarrier();
      let n = min(${BLOCK}u, tq() - ib);
      for (var t = 0u; t < ${dvt}u; t++) {
        let c = lid + t * ${BLOCK}u;
        if (c < dv()) {
          var a = acc_v[t];
          for (var ii = 0u; ii < n; ii++) { a = fma(p_blk[ii], d_out[(qbase + ib + ii) * dv() + c], a); }
          acc_v[t] = a;
        }
      }
      for (var t = 0u; t < ${dt}u; t++) {
        let c = lid + t * ${BLOCK}u;
        if (c < dk()) {
          var a = acc_k[t];
          for (var ii = 0u; ii < n; ii++) { a = fma(blk[ii], q[(qbase + ib + ii) * dk() + c], a); }
          acc_k[t] = a;
        }
      }
      workgroupBarrier();
    }
  }
  for (var t = 0u; t < ${dt}u; t++) {
    let c = lid + t * ${BLOCK}u;
    if (c < dk()) { dk_out[krow * dk() + c] = acc_k[t] * scale(); }
  }
  for (var t = 0u; t < ${dvt}u; t++) {
    let c = lid + t * ${BLOCK}u;
    if (c < dv()) { dv_out[krow * dv() + c] = acc_v[t]; }
  }
}`;
}

export function attentionBackward(
  ctx: KernelContext,
  q: Storage,
  k: Storage,
  v: Storage,
  out: Storage,
  lse: Storage,
  dOut: Storage,
  dq: Storage,
  dk: Storage,
  dv: Storage,
  p: AttentionParams,
): void {
  // Software adapters (lavapipe) run the barrier-free one-thread-per-row kernels.
  if (ctx.software) {
    attentionRowsBackward(ctx, q, k, v, out, lse, dOut, dq, dk, dv, p);
    return;
  }
  const rows = p.batch * p.heads * p.tq;
  const keyRows = p.batch * p.kvHeads * p.tk;
  const params = attentionParams(p);
  const dsum = scratch(ctx, rows, 'f32');
  if (rows > 0)
    launch(
      ctx,
      'attention backward (dq)',
      queryPass(p),
      params,
      [q, k, v, lse, dOut, out, dq, dsum],
      grid2d(rows),
    );
  if (keyRows > 0) {
    launch(
      ctx,
      'attention backward (dk, dv)',
      keyPass(p),
      params,
      [q, k, v, lse, dOut, dsum, dk, dv],
      grid2d(keyRows),
    );
  }
  releaseScratch(ctx, dsum);
}
