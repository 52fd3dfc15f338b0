import type { MatmulParams, Storage } from '../../../backend.js';
import { isQuantized } from '../../../quant.js';
import { type KernelContext, launch, SplitStorage } from '../context.js';
import { grid2d, input, output, PARAMS_WGSL } from '../wgsl.js';
import { fill } from './fill.js';
import { matmulQuantGemv } from './matmul-quant.js';
import { matmulSplit } from './matmul-split.js';
import { matmulSubgroup } from './matmul-subgroup.js';
import { MATMUL_PLANES, matmulParams, matmulVec4, vec4Eligible } from './matmul-vec4.js';

/** Output tile per workgroup (TILE x TILE), reduction slice per step, and outputs per thread (PER x PER). */
const TILE = 64;
const TK = 16;
const PER = 4;
const SIDE = TILE / PER; // 16 x 16 threads

/** Where element (row, col) of the logical a [m, k] / b [k, n] lives, given the storage layout. */
function aIndex(transposeA: boolean): string {
  return transposeA ? 'abase + kk * M + row' : 'abase + row * K + kk';
}

function bIndex(transposeB: boolean): string {
  return transposeB ? 'bbase + col * K + kk' : 'bbase + kk * N + col';
}

/**
 * The b tile load of the tiled kernel for a q8/q4 b: thread lid dequantizes 4 consecutive elements along the
 * blocks (k when b is [n, k], then K is a multiple of 32 and no tile overruns it; n when b is [k, n]).
 */
function quantTileLoad(transposeB: boolean): string {
  const [c, kk, index] = transposeB
    ? [`(lid / 4u)`, `(lid % 4u) * 4u`, 'bbase + col * K + kk']
    : [`(lid % ${TILE / 4}u) * 4u`, `lid / ${TILE / 4}u`, 'bbase + kk * N + col'];
  const store = transposeB
    ? (i: number) => `Bs[(kk - k0 + ${i}u) * ${TILE}u + c]`
    : (i: number) => `Bs[(kk - k0) * ${TILE}u + c + ${i}u]`;
  return `{ let c = ${c}; let col = n0 + c; let kk = k0 + ${kk};
      var v = vec4<f32>();
      if (col < N && kk < K) { v = ld4_b(${index}); }
      ${[0, 1, 2, 3].map((i) => `${store(i)} = v[${i}];`).join(' ')} }`;
}

/**
 * Tiled matmul: each 16x16 workgroup computes a 64x64 output tile, staging 64x16 slices of a and b in
 * workgroup memory; each thread accumulates a 4x4 block in registers (f32, whatever b's storage).
 * Tile loads walk along whichever dimension is contiguous in memory, so both layouts load coalesced.
 */
function tiledCode(p: MatmulParams, bType: Storage['dtype']): string {
  const loadsPerThread = (TILE * TK) / (SIDE * SIDE);
  // Contiguous direction of each operand decides how a flat load index splits into (row, kk).
  const aSplit = p.transposeA
    ? `let kk = e / ${TILE}u; let r = e % ${TILE}u;`
    : `let r = e / ${TK}u; let kk = e % ${TK}u;`;
  const bSplit = p.transposeB
    ? `let c = e / ${TK}u; let kk = e % ${TK}u;`
    : `let kk = e / ${TILE}u; let c = e % ${TILE}u;`;
  // A q8/q4 b is dequantized four elements (one word, one scale) per thread and step: 64 x 16 = 256 x 4.
  const quantized = isQuantized(bType);
  const bLoad = quantized
    ? quantTileLoad(p.transposeB)
    : `{ ${bSplit}
        let col = n0 + c; let kk2 = k0 + kk;
        var v = 0.0;
        if (col < N && kk2 < K) { let kk = kk2; v = ld_b(${bIndex(p.transposeB)}); }
        Bs[kk * ${TILE}u + c] = v; }`;
  return `${PARAMS_WGSL}
${input('a', 1, 'f32')}
${input('b', 2, bType, MATMUL_PLANES)}
${output('out', 3)}
var<workgroup> As: array<f32, ${TILE * TK}>;
var<workgroup> Bs: array<f32, ${TILE * TK}>;
@compute @workgroup_size(${SIDE}, ${SIDE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let M = pu(0u); let N = pu(1u); let K = pu(2u);
  let abase = pu(6u) + wg.z * pu(3u); let bbase = pu(7u) + wg.z * pu(4u);
  let m0 = wg.y * ${TILE}u; let n0 = wg.x * ${TILE}u;
  var acc: array<array<f32, ${PER}>, ${PER}>;
  for (var k0 = 0u; k0 < K; k0 += ${TK}u) {
    for (var t = 0u; t < ${loadsPerThread}u; t++) {
      let e = lid + t * ${SIDE * SIDE}u;
      { ${aSplit}
        let row = m0 + r; let kk2 = k0 + kk;
        var v = 0.0;
        if (row < M && kk2 < K) { let kk = kk2; v = ld_a(${aIndex(p.transposeA)}); }
        As[kk * ${TILE}u + r] = v; }
      ${quantized ? '' : bLoad}
    }
    ${quantized ? bLoad : ''}
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      var av: array<f32, ${PER}>; var bv: array<f32, ${PER}>;
      for (var i = 0u; i < ${PER}u; i++) {
        av[i] = As[kk * ${TILE}u + li.y + i * ${SIDE}u];
        bv[i] = Bs[kk * ${TILE}u + li.x + i * ${SIDE}u];
      }
      for (var i = 0u; i < ${PER}u; i++) {
        for (var j = 0u; j < ${PER}u; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  let obase = wg.z * M * N;
  for (var i = 0u; i < ${PER}u; i++) {
    let row = m0 + li.y + i * ${SIDE}u;
    for (var j = 0u; j < ${PER}u; j++) {
      let col = n0 + li.x + j * ${SIDE}u;
      if (row < M && col < N) { out[obase + row * N + col] = acc[i][j]; }
    }
  }
}`;
}

/** Rows of b^T handled per 256-thread workgroup in the transposed GEMV (64 threads share a dot product). */
const GEMV_ROWS = 4;
const GEMV_LANES = 64;

/**
 * GEMV for m = 1 (single-token decode). With b stored [n, k] (x @ W^T) each output is a dot product of
 * two contiguous rows, split over 64 threads and tree-reduced; with b stored [k, n] each thread owns one
 * output column and neighbouring threads read neighbouring words.
 */
function gemvCode(p: MatmulParams, bType: Storage['dtype']): string {
  const head = `${PARAMS_WGSL}
${input('a', 1, 'f32')}
${input('b', 2, bType, MATMUL_PLANES)}
${output('out', 3)}`;
  if (!p.transposeB) {
    return `${head}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let N = pu(1u); let K = pu(2u);
  let col = (wg.y * nwg.x + wg.x) * 256u + lid;
  if (col >= N) { return; }
  let abase = pu(6u) + wg.z * pu(3u); let bbase = pu(7u) + wg.z * pu(4u);
  var acc = 0.0;
  for (var kk = 0u; kk < K; kk++) { acc = fma(ld_a(abase + kk), ld_b(bbase + kk * N + col), acc); }
  out[wg.z * N + col] = acc;
}`;
  }
  return `${head}
var<workgroup> part: array<f32, ${GEMV_ROWS * GEMV_LANES}>;
@compute @workgroup_size(${GEMV_LANES}, ${GEMV_ROWS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
  let N = pu(1u); let K = pu(2u);
  let col = (wg.y * nwg.x + wg.x) * ${GEMV_ROWS}u + li.y;
  let abase = pu(6u) + wg.z * pu(3u); let bbase = pu(7u) + wg.z * pu(4u) + min(col, N - 1u) * K;
  var acc = 0.0;
  for (var kk = li.x; kk < K; kk += ${GEMV_LANES}u) { acc = fma(ld_a(abase + kk), ld_b(bbase + kk), acc); }
  let slot = li.y * ${GEMV_LANES}u;
  part[slot + li.x] = acc;
  workgroupBarrier();
  for (var s = ${GEMV_LANES / 2}u; s > 0u; s >>= 1u) {
    if (li.x < s) { part[slot + li.x] += part[slot + li.x + s]; }
    workgroupBarrier();
  }
  if (li.x == 0u && col < N) { out[wg.z * N + col] = part[slot]; }
}`;
}

/** out [batch, m, n] = a @ b (f32 accumulation; b may be stored f16/bf16 or q8/q4). */
export function matmul(ctx: KernelContext, a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  if (out.size === 0) return;
  if (p.k === 0) {
    fill(ctx, out, 0);
    return;
  }
  if (b instanceof SplitStorage) {
    matmulSplit(ctx, a, b, out, p, matmul);
    return;
  }
  // A q8/q4 weight's decode GEMV reads whole blocks (x as vec4s: a aligned to 4); larger m dequantizes in the
  // kernels below through their b loaders.
  if (isQuantized(b.dtype) && p.m === 1 && !p.transposeA && vec4Eligible(p, b)) {
    matmulQuantGemv(ctx, a, b, out, p);
    return;
  }
  // Software adapters run barrier-free register-blocked kernels (the subgroup one where subgroups have
  // a fixed size, except for GEMV); GPUs the shared-memory tiles.
  if (ctx.software && vec4Eligible(p, b)) {
    const subgroup = p.m > 1 ? ctx.variants.subgroupSize : null;
    if (subgroup) matmulSubgroup(ctx, a, b, out, p, subgroup);
    else matmulVec4(ctx, a, b, out, p);
    return;
  }
  if (p.m === 1 && !p.transposeA) {
    const perGroup = p.transposeB ? GEMV_ROWS : 256;
    const [x, y] = grid2d(Math.ceil(p.n / perGroup));
    launch(ctx, 'matmul (gemv)', gemvCode(p, b.dtype), matmulParams(p, b), [a, b, out], [x, y, p.batch]);
    return;
  }
  const groups: [number, number, number] = [Math.ceil(p.n / TILE), Math.ceil(p.m / TILE), p.batch];
  launch(ctx, 'matmul', tiledCode(p, b.dtype), matmulParams(p, b), [a, b, out], groups);
}
