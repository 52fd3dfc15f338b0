import type { DType, MatmulParams, Storage } from '../../../backend.js';
import { isQuantized } from '../../../quant.js';
import { type KernelContext, launch } from '../context.js';
import { grid2d, PARAMS_WGSL } from '../wgsl.js';
import { matmulParams, vec4Loader } from './matmul-vec4.js';

/**
 * Register-blocked matmul for software adapters with subgroups (Mesa lavapipe runs a subgroup as one
 * 8-lane SIMD vector). lavapipe compiles every storage-buffer load into a loop over the lanes with a
 * bounds check per lane and component, ~40 instructions per lane for a vec4, so loads, not FMAs, bound
 * the plain vec4 kernel (matmul-vec4.ts). There every lane reloads the rows of a that its neighbours
 * also load. Here the lanes of a subgroup share 16 output rows: lane l loads the a vec4 of rows l and
 * l + S (S = subgroup size), and subgroupBroadcast, a register shuffle, hands each row to every lane.
 * A k-step of 4 then costs 16 / S loads of a plus 4 of b for 256 FMAs per lane, against 8 loads for
 * 64 FMAs in the vec4 kernel; each lane owns 4 output columns.
 *
 * Assumes what lavapipe does: invocations join subgroups in local_invocation_index order, so with
 * workgroup_size(S, ROW_GROUPS) each subgroup is one row of threads.
 */
const ROWS = 16;
/** Subgroups per workgroup, each with its own 16 rows; four share each b panel while it is in cache. */
const ROW_GROUPS = 4;

/** The subgroup size kernels may rely on (min == max, dividing ROWS), or null without subgroups. */
export function fixedSubgroupSize(device: GPUDevice): number | null {
  if (!device.features.has('subgroups')) return null;
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const size = info?.subgroupMinSize;
  if (!size || size !== info.subgroupMaxSize || size < 4 || ROWS % size !== 0) return null;
  return size;
}

/**
 * Thread (lane, li.y) computes rows m0 .. m0 + 15 by columns n0 .. n0 + 3. With b stored [n, k]
 * (transposeB) each column is a dot product along k; with b stored [k, n] each k adds a scaled row of b.
 */
function code(p: MatmulParams, bType: DType, S: number): string {
  const loads = ROWS / S;
  const body = Array.from({ length: loads }, (_, g) => `let mine${g} = ld4_a(arow${g} + k);`);
  const update = (r: number) =>
    p.transposeB
      ? `acc${r} += vec4<f32>(dot(a, b0), dot(a, b1), dot(a, b2), dot(a, b3));`
      : `acc${r} += a.x * b0 + a.y * b1 + a.z * b2 + a.w * b3;`;
  // A q8/q4 b stored [n, k] keeps each column's scale (and minimum) for the 32 k of a block, loaded once.
  const blockwise = p.transposeB && isQuantized(bType);
  const column = (c: number) =>
    blockwise
      ? `let b${c} = ${bType === 'q4' ? `fma(raw4_b(bbase + c${c} * K + k), d${c}, o${c})` : `raw4_b(bbase + c${c} * K + k) * d${c}`};`
      : p.transposeB
        ? `let b${c} = ld4_b(bbase + c${c} * K + k);`
        : `let b${c} = ld4_b(bbase + (k + ${c}u) * N + n0);`;
  body.push([0, 1, 2, 3].map(column).join(' '));
  for (let r = 0; r < ROWS; r++) {
    body.push(`{ let a = subgroupBroadcast(mine${Math.floor(r / S)}, ${r % S}u); ${update(r)} }`);
  }
  const rows = Array.from(
    { length: loads },
    (_, g) => `let arow${g} = abase + min(m0 + ${g * S}u + lane, M - 1u) * K;`,
  );
  const accs = Array.from({ length: ROWS }, (_, r) => `var acc${r} = vec4<f32>();`);
  const stores = Array.from({ length: ROWS }, (_, r) => `store(m0 + ${r}u, col, acc${r}, obase);`);
  return `enable subgroups;
${PARAMS_WGSL}
${vec4Loader('a', 1, 'f32')}
${vec4Loader('b', 2, bType)}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
fn store(row: u32, col: u32, v: vec4<f32>, obase: u32) {
  let M = pu(0u); let N = pu(1u);
  if (row >= M) { return; }
  for (var c = 0u; c < 4u; c++) { if (col + c < N) { out[obase + row * N + col + c] = v[c]; } }
}
@compute @workgroup_size(${S}, ${ROW_GROUPS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let M = pu(0u); let N = pu(1u); let K = pu(2u);
  let tile = wg.y * nwg.x + wg.x;
  let tiles_n = (N + ${4 * S - 1}u) / ${4 * S}u;
  let m0 = (tile / tiles_n) * ${ROWS * ROW_GROUPS}u + li.y * ${ROWS}u;
  let col = (tile % tiles_n) * ${4 * S}u + lane * 4u;
  // Lanes past the last column load the last vec4 and store nothing (every lane takes part in the broadcasts).
  let n0 = min(col, ((N - 1u) / 4u) * 4u);
  let c0 = n0; let c1 = min(n0 + 1u, N - 1u); let c2 = min(n0 + 2u, N - 1u); let c3 = min(n0 + 3u, N - 1u);
  let abase = pu(6u) + wg.z * pu(3u); let bbase = pu(7u) + wg.z * pu(4u);
  ${rows.join(' ')}
  ${accs.join(' ')}
  ${blockwise ? `for (var kb = 0u; kb < K; kb += 32u) { ${[0, 1, 2, 3].map((c) => `let blk${c} = (bbase + c${c} * K + kb) / 32u; let d${c} = vec4<f32>(scale_b(blk${c}));${bType === 'q4' ? ` let o${c} = vec4<f32>(min_b(blk${c}));` : ''}`).join(' ')}` : ''}
  for (var k = ${blockwise ? 'kb' : '0u'}; k < ${blockwise ? 'kb + 32u' : 'K'}; k += 4u) {
    ${body.join('\n    ')}
  }
  ${blockwise ? '}' : ''}
  let obase = wg.z * M * N;
  ${stores.join('\n  ')}
}`;
}

/** out [batch, m, n] = a @ b with subgroup size `S` (see fixedSubgroupSize); same eligibility as matmulVec4. */
export function matmulSubgroup(
  ctx: KernelContext,
  a: Storage,
  b: Storage,
  out: Storage,
  p: MatmulParams,
  S: number,
): void {
  const tiles = Math.ceil(p.m / (ROWS * ROW_GROUPS)) * Math.ceil(p.n / (4 * S));
  const [x, y] = grid2d(tiles);
  launch(ctx, 'matmul (subgroup)', code(p, b.dtype, S), matmulParams(p, b), [a, b, out], [x, y, p.batch]);
}
