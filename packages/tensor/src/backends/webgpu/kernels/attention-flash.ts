import type { AttentionParams, Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { grid2d, output, PARAMS_WGSL } from '../wgsl.js';
import { ATTENTION_WGSL, attentionParams } from './attention.js';

const R = Number(process.env.ATT_R ?? 32);
const KB = Number(process.env.ATT_KB ?? 16);

export function forwardCode(p: AttentionParams): string {
  const D = p.d, DV = p.dv;
  return `${PARAMS_WGSL}${ATTENTION_WGSL}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
${output('out', 4)}
${output('lse', 5)}
fn visible(i: u32) -> u32 {
  if (pu(7u) == 0u) { return tk(); }
  return u32(clamp(bitcast<i32>(pu(8u)) + i32(i) + 1, 0, i32(tk())));
}
@compute @workgroup_size(${R})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let blocks = (tq() + ${R - 1}u) / ${R}u;
  let g = wg.y * nwg.x + wg.x;
  let bh = g / blocks;
  if (bh >= pu(0u) * heads()) { return; }
  let i0 = (g % blocks) * ${R}u;
  let b = bh / heads(); let h = bh % heads();
  let kvbase = (b * kv_heads() + kv_head(h)) * tk();
  let i = min(i0 + lid, tq() - 1u);
  let row = bh * tq() + i;
  let lim = visible(i);
  let kend = visible(min(i0 + ${R - 1}u, tq() - 1u));
  var qr: array<f32, ${D}>;
  for (var c = 0u; c < ${D}u; c++) { qr[c] = q[row * ${D}u + c] * scale(); }
  var acc: array<f32, ${DV}>;
  var m = -inf(); var l = 0.0;
  for (var kb = 0u; kb < kend; kb += ${KB}u) {
    var s: array<f32, ${KB}>;
    var bm = -inf();
    for (var jj = 0u; jj < ${KB}u; jj++) {
      let kr = (kvbase + min(kb + jj, tk() - 1u)) * ${D}u;
      var d = 0.0;
      for (var c = 0u; c < ${D}u; c++) { d = fma(qr[c], k[kr + c], d); }
      s[jj] = select(-inf(), d, kb + jj < lim);
      bm = max(bm, s[jj]);
    }
    let m_new = max(m, bm);
    let alpha = select(1.0, exp(m - m_new), m_new > -inf());
    l *= alpha;
    for (var c = 0u; c < ${DV}u; c++) { acc[c] *= alpha; }
    for (var jj = 0u; jj < ${KB}u; jj++) {
      let vr = (kvbase + min(kb + jj, tk() - 1u)) * ${DV}u;
      let pj = select(0.0, exp(s[jj] - m_new), s[jj] > -inf());
      l += pj;
      for (var c = 0u; c < ${DV}u; c++) { acc[c] = fma(pj, v[vr + c], acc[c]); }
    }
    m = m_new;
  }
  if (i0 + lid < tq()) {
    for (var c = 0u; c < ${DV}u; c++) { out[row * ${DV}u + c] = select(0.0, acc[c] / l, l > 0.0); }
    lse[row] = select(-inf(), m + log(l), l > 0.0);
  }
}`;
}

export function attentionFlash(ctx: KernelContext, q: Storage, k: Storage, v: Storage, out: Storage, lse: Storage, p: AttentionParams): void {
  const groups = p.batch * p.heads * Math.ceil(p.tq / R);
  launch(ctx, 'attention (flash)', forwardCode(p), attentionParams(p), [q, k, v, out, lse], grid2d(groups));
}
