import type { AttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch, releaseScratch, scratch } from '../context.js';
import { ENTRY_1D, output, PARAMS_WGSL, THREAD_INDEX_WGSL, threads } from '../wgsl.js';
import { ATTENTION_WGSL, attentionParams } from './attention.js';

/**
 * Attention for software adapters (Mesa lavapipe): one thread per query row (forward, dq) or key row
 * (dk, dv), holding its row and accumulators in private arrays, with no workgroup barriers — those are
 * what a CPU-emulated GPU pays most for. Same math as attention.ts / attention-backward.ts (online
 * softmax forward; backward recomputes P from the saved logsumexp).
 */

/**
 * Private arrays are sized to a power of two (at least 8) and loops run to the real width, so one
 * compiled shader serves every head width in its bucket (shader compiles are slow on lavapipe).
 */
function cap(width: number): number {
  return Math.max(8, 2 ** Math.ceil(Math.log2(width)));
}

const BINDINGS = `
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;`;

const ROW_HEAD = `
  let row = thread_index(wg, nwg, lid);
  if (row >= pu(0u) * heads() * tq()) { return; }
  let i = row % tq(); let bh = row / tq(); let b = bh / heads(); let h = bh % heads();
  let kvbase = (b * kv_heads() + kv_head(h)) * tk();
  let kend = visible_keys(i);`;

function forwardCode(p: AttentionParams): string {
  return `${PARAMS_WGSL}${THREAD_INDEX_WGSL}${ATTENTION_WGSL}${BINDINGS}
${output('out', 4)}
${output('lse', 5)}
${ENTRY_1D} {
  ${ROW_HEAD}
  var qr: array<f32, ${cap(p.d)}>;
  for (var c = 0u; c < dk(); c++) { qr[c] = q[row * dk() + c] * scale(); }
  var acc: array<f32, ${cap(p.dv)}>;
  var m = -inf(); var l = 0.0;
  for (var j = 0u; j < kend; j++) {
    var s = 0.0;
    for (var c = 0u; c < dk(); c++) { s = fma(qr[c], k[(kvbase + j) * dk() + c], s); }
    let m_new = max(m, s);
    let alpha = exp(m - m_new);
    let pj = exp(s - m_new);
    l = l * alpha + pj;
    for (var c = 0u; c < dv(); c++) { acc[c] = fma(pj, v[(kvbase + j) * dv() + c], acc[c] * alpha); }
    m = m_new;
  }
  for (var c = 0u; c < dv(); c++) { out[row * dv() + c] = select(0.0, acc[c] / l, l > 0.0); }
  lse[row] = select(-inf(), m + log(l), l > 0.0);
}`;
}

/** dq and D_i = dO_i·O_i per query row. Bindings 4 lse, 5 dOut, 6 out, 7 dq, 8 dsum. */
function queryCode(p: AttentionParams): string {
  return `${PARAMS_WGSL}${THREAD_INDEX_WGSL}${ATTENTION_WGSL}${BINDINGS}
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> d_out: array<f32>;
@group(0) @binding(6) var<storage, read> o: array<f32>;
${output('dq', 7)}
${output('dsum', 8)}
${ENTRY_1D} {
  ${ROW_HEAD}
  var qr: array<f32, ${cap(p.d)}>;
  for (var c = 0u; c < dk(); c++) { qr[c] = q[row * dk() + c]; }
  var dor: array<f32, ${cap(p.dv)}>;
  var big_d = 0.0;
  for (var c = 0u; c < dv(); c++) { dor[c] = d_out[row * dv() + c]; big_d += dor[c] * o[row * dv() + c]; }
  dsum[row] = big_d;
  let row_lse = lse[row];
  var acc: array<f32, ${cap(p.d)}>;
  for (var j = 0u; j < kend; j++) {
    var s = 0.0; var dp = 0.0;
    for (var c = 0u; c < dk(); c++) { s = fma(qr[c], k[(kvbase + j) * dk() + c], s); }
    for (var c = 0u; c < dv(); c++) { dp = fma(dor[c], v[(kvbase + j) * dv() + c], dp); }
    let ds = exp(s * scale() - row_lse) * (dp - big_d);
    for (var c = 0u; c < dk(); c++) { acc[c] = fma(ds, k[(kvbase + j) * dk() + c], acc[c]); }
  }
  for (var c = 0u; c < dk(); c++) { dq[row * dk() + c] = acc[c] * scale(); }
}`;
}

/** dk, dv per key row, summed over the query heads that read it. Bindings 4 lse, 5 dOut, 6 dsum, 7 dk, 8 dv. */
function keyCode(p: AttentionParams): string {
  return `${PARAMS_WGSL}${THREAD_INDEX_WGSL}${ATTENTION_WGSL}${BINDINGS}
@group(0) @binding(4) var<storage, read> lse: array<f32>;
@group(0) @binding(5) var<storage, read> d_out: array<f32>;
@group(0) @binding(6) var<storage, read> dsum: array<f32>;
${output('dk_out', 7)}
${output('dv_out', 8)}
${ENTRY_1D} {
  let krow = thread_index(wg, nwg, lid);
  if (krow >= pu(0u) * kv_heads() * tk()) { return; }
  let j = krow % tk(); let bkh = krow / tk(); let b = bkh / kv_heads(); let kh = bkh % kv_heads();
  var kr: array<f32, ${cap(p.d)}>; var vr: array<f32, ${cap(p.dv)}>;
  for (var c = 0u; c < dk(); c++) { kr[c] = k[krow * dk() + c]; }
  for (var c = 0u; c < dv(); c++) { vr[c] = v[krow * dv() + c]; }
  var i0 = 0u;
  if (pu(7u) == 1u && j > pu(8u)) { i0 = j - pu(8u); }
  var acc_k: array<f32, ${cap(p.d)}>; var acc_v: array<f32, ${cap(p.dv)}>;
  let group = heads() / kv_heads();
  for (var h = kh * group; h < (kh + 1u) * group; h++) {
    let qbase = (b * heads() + h) * tq();
    for (var i = i0; i < tq(); i++) {
      let row = qbase + i;
      var s = 0.0; var dp = 0.0;
      for (var c = 0u; c < dk(); c++) { s = fma(q[row * dk() + c], kr[c], s); }
      for (var c = 0u; c < dv(); c++) { dp = fma(d_out[row * dv() + c], vr[c], dp); }
      let pij = exp(s * scale() - lse[row]);
      let ds = pij * (dp - dsum[row]);
      for (var c = 0u; c < dv(); c++) { acc_v[c] = fma(pij, d_out[row * dv() + c], acc_v[c]); }
      for (var c = 0u; c < dk(); c++) { acc_k[c] = fma(ds, q[row * dk() + c], acc_k[c]); }
    }
  }
  for (var c = 0u; c < dk(); c++) { dk_out[krow * dk() + c] = acc_k[c] * scale(); }
  for (var c = 0u; c < dv(); c++) { dv_out[krow * dv() + c] = acc_v[c]; }
}`;
}

export function attentionRows(
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
  launch(ctx, 'attention (rows)', forwardCode(p), attentionParams(p), [q, k, v, out, lse], threads(rows));
}

export function attentionRowsBackward(
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
  const rows = p.batch * p.heads * p.tq;
  const keyRows = p.batch * p.kvHeads * p.tk;
  const params = attentionParams(p);
  const dsum = scratch(ctx, rows, 'f32');
  if (rows > 0) {
    launch(
      ctx,
      'attention backward (dq, rows)',
      queryCode(p),
      params,
      [q, k, v, lse, dOut, out, dq, dsum],
      threads(rows),
    );
  }
  if (keyRows > 0) {
    const storages = [q, k, v, lse, dOut, dsum, dk, dv];
    launch(ctx, 'attention backward (dk, dv, rows)', keyCode(p), params, storages, threads(keyRows));
  }
  releaseScratch(ctx, dsum);
}
