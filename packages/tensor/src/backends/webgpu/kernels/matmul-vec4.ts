import type { DType, MatmulParams, Storage } from '../../../backend.js';
import { isQuantized } from '../../../quant.js';
import { type KernelContext, launch } from '../context.js';
import { planeWords, quantInput } from '../quant-wgsl.js';
import { grid2d, PARAMS_WGSL, Params } from '../wgsl.js';

/**
 * Register-blocked matmul without workgroup memory, for aligned shapes (k % 4 == 0, and n % 4 == 0 when b
 * is [k, n]). Each thread owns a 4x4 block of the output and walks k four at a time with vec4 loads, so
 * every 8 loads feed 64 FMAs. Workgroup barriers are what a software rasterizer (Mesa lavapipe) pays
 * most for, and a CPU's caches already play the role of shared tiles, so this beats the shared-memory
 * kernel there; GPUs with real shared memory still take the tiled kernel (see matmul.ts).
 */
const SIDE = 8;

/** Output rows per thread and threads per workgroup along m: 4 x 8 in general, 1 x 1 for GEMV (m = 1). */
function rowsPerThread(p: MatmulParams): { rows: number; side: number } {
  return p.m === 1 ? { rows: 1, side: 1 } : { rows: 4, side: SIDE };
}

/** Loads four consecutive elements starting at element index i (i % 4 == 0) as a vec4. */
export function vec4Loader(name: string, binding: number, dtype: DType): string {
  if (isQuantized(dtype)) return quantInput(name, binding, dtype, MATMUL_PLANES);
  if (dtype === 'f32') {
    return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<vec4<f32>>;
fn ld4_${name}(i: u32) -> vec4<f32> { return ${name}[i >> 2u]; }`;
  }
  const unpack =
    dtype === 'f16'
      ? 'vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y))'
      : 'vec4<f32>(bitcast<f32>(w.x << 16u), bitcast<f32>(w.x & 0xffff0000u), bitcast<f32>(w.y << 16u), bitcast<f32>(w.y & 0xffff0000u))';
  return `@group(0) @binding(${binding}) var<storage, read> ${name}: array<vec2<u32>>;
fn ld4_${name}(i: u32) -> vec4<f32> { let w = ${name}[i >> 2u]; return ${unpack}; }`;
}

/**
 * Parameter words of every matmul kernel (this one and matmul.ts): m, n, k, aBatchStride, bBatchStride, batch,
 * aOffset, bOffset, then at MATMUL_PLANES b's plane words when b is q8/q4 (quant-wgsl.ts).
 */
export function matmulParams(p: MatmulParams, b: Storage): Params {
  return new Params().u(
    p.m,
    p.n,
    p.k,
    p.aBatchStride,
    p.bBatchStride,
    p.batch,
    p.aOffset ?? 0,
    p.bOffset ?? 0,
    ...planeWords(b),
  );
}

/** The parameter word where a quantized b's plane words start (see matmulParams). */
export const MATMUL_PLANES = 8;

export function vec4Eligible(p: MatmulParams, b: Storage): boolean {
  const bAligned = p.transposeB || p.n % 4 === 0;
  const batchAligned = [p.aBatchStride, p.bBatchStride, p.aOffset ?? 0, p.bOffset ?? 0].every(
    (e) => e % 4 === 0,
  );
  return !p.transposeA && p.k % 4 === 0 && bAligned && batchAligned && b.dtype !== 'i32';
}

/**
 * Row r of the block reads a[r][k..k+3]; with b stored [n, k] (transposeB) column c reads b[c][k..k+3]
 * and the product is a dot; with b stored [k, n] row kk reads b[k+kk][n..n+3].
 */
function code(p: MatmulParams, bType: DType): string {
  const { rows: R, side } = rowsPerThread(p);
  const tileM = R * side;
  const inner = p.transposeB
    ? `let b0 = ld4_b(bbase + c0 * K + k); let b1 = ld4_b(bbase + c1 * K + k);
      let b2 = ld4_b(bbase + c2 * K + k); let b3 = ld4_b(bbase + c3 * K + k);
      for (var r = 0u; r < ${R}u; r++) {
        let a = ld4_a(abase + rows[r] * K + k);
        acc[r] += vec4<f32>(dot(a, b0), dot(a, b1), dot(a, b2), dot(a, b3));
      }`
    : `let b0 = ld4_b(bbase + k * N + n0); let b1 = ld4_b(bbase + (k + 1u) * N + n0);
      let b2 = ld4_b(bbase + (k + 2u) * N + n0); let b3 = ld4_b(bbase + (k + 3u) * N + n0);
      for (var r = 0u; r < ${R}u; r++) {
        let a = ld4_a(abase + rows[r] * K + k);
        acc[r] += a.x * b0 + a.y * b1 + a.z * b2 + a.w * b3;
      }`;
  const rowList = Array.from({ length: R }, (_, r) => (r === 0 ? 'm0' : `min(m0 + ${r}u, M - 1u)`)).join(
    ', ',
  );
  return `${PARAMS_WGSL}
${vec4Loader('a', 1, 'f32')}
${vec4Loader('b', 2, bType)}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${(SIDE * SIDE) / side}, ${side})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
  let M = pu(0u); let N = pu(1u); let K = pu(2u);
  let tile = wg.y * nwg.x + wg.x;
  let tiles_n = (N + ${(4 * SIDE * SIDE) / side - 1}u) / ${(4 * SIDE * SIDE) / side}u;
  let m0 = (tile / tiles_n) * ${tileM}u + li.y * ${R}u;
  let n0 = (tile % tiles_n) * ${(4 * SIDE * SIDE) / side}u + li.x * 4u;
  if (m0 >= M || n0 >= N) { return; }
  let abase = pu(6u) + wg.z * pu(3u); let bbase = pu(7u) + wg.z * pu(4u);
  // Rows and columns past the edge are clamped for loading and skipped when storing.
  let rows = array<u32, ${R}>(${rowList});
  let c0 = n0; let c1 = min(n0 + 1u, N - 1u); let c2 = min(n0 + 2u, N - 1u); let c3 = min(n0 + 3u, N - 1u);
  var acc: array<vec4<f32>, ${R}>;
  for (var k = 0u; k < K; k += 4u) {
    ${inner}
  }
  let obase = wg.z * M * N;
  for (var r = 0u; r < ${R}u; r++) {
    let row = m0 + r;
    if (row < M) {
      for (var c = 0u; c < 4u; c++) { if (n0 + c < N) { out[obase + row * N + n0 + c] = acc[r][c]; } }
    }
  }
}`;
}

export function matmulVec4(ctx: KernelContext, a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  const { rows, side } = rowsPerThread(p);
  const tiles = Math.ceil(p.m / (rows * side)) * Math.ceil(p.n / ((4 * SIDE * SIDE) / side));
  const [x, y] = grid2d(tiles);
  launch(ctx, 'matmul (vec4)', code(p, b.dtype), matmulParams(p, b), [a, b, out], [x, y, p.batch]);
}
