import type { MatmulParams, Storage } from '../../../backend.js';
import type { QuantizedDType } from '../../../quant.js';
import { type KernelContext, launch } from '../context.js';
import { quantInput } from '../quant-wgsl.js';
import { grid2d, PARAMS_WGSL } from '../wgsl.js';
import { fixedSubgroupSize } from './matmul-subgroup.js';
import { MATMUL_PLANES, matmulParams, vec4Loader } from './matmul-vec4.js';

/**
 * Decode GEMV (m = 1) against a q8/q4 weight b, which reads every weight byte once per token: the kernel
 * loads whole blocks as vec4<u32> words (a q8 block is 2 of them, a q4 block 1) and dequantizes them in
 * registers, with one scale (and minimum) per 32 products. Sums are f32.
 *
 * x @ Wᵀ, W stored [n, k] (blocks along k): `lanes` threads share one output row, each taking every
 * lanes-th block; q4 uses Σ (d q + m) x = d Σ q x + m Σ x.
 * x @ W, W stored [k, n] (blocks along n): each thread owns one 16-byte word column (16 q8 or 32 q4
 * outputs) and takes every lanes-th k.
 * GPUs split each row (or column group) over 32 threads and join them with a tree in workgroup
 * memory. Software adapters (lavapipe) pay for every barrier and for every storage load (each is a loop over
 * the SIMD lanes, see matmul-subgroup.ts), so there one thread owns whole rows, several of them sharing each
 * load of x; with subgroups the lanes load the 8 vec4s of a block of x once between them and broadcast them
 * (on lavapipe at 6144 x 2048 that halved the worker CPU time of q8 and q4).
 */
interface Split {
  /** Threads per output row (x @ Wᵀ) or k-slices per column group (x @ W). */
  lanes: number;
  /** Threads (x @ Wᵀ: of `lanes` each) or column groups (x @ W) per workgroup. */
  rows: number;
  /** x @ Wᵀ: output rows per thread, sharing each load of x (1 when lanes > 1). */
  perThread: number;
}

const GPU_SPLIT: Split = { lanes: 32, rows: 8, perThread: 1 };
/** Software adapters: rows per thread that share each x load (measured on lavapipe at 6144 x 2048). */
const SOFTWARE_SPLIT: Split = { lanes: 1, rows: 8, perThread: 8 };
/** With subgroups x comes in one load per block and broadcasts, so fewer rows per thread are needed. */
const SUBGROUP_SPLIT: Split = { lanes: 1, rows: 32, perThread: 2 };

/** Element columns that one 16-byte word of a [k, n] weight row holds. */
const wordColumns = (dtype: QuantizedDType) => (dtype === 'q8' ? 16 : 32);

/** WGSL loading the 32 elements of x of one block (from `k0`) as x0 .. x7, and (q4) their sum. */
function blockX(dtype: QuantizedDType, subgroup: number | null): string {
  // With subgroups of S lanes (S dividing 8), each lane loads 8 / S of the vec4s and broadcasts them.
  const S = subgroup ?? 1;
  const own = Array.from(
    { length: 8 / S },
    (_, g) => `let mine${g} = ld4_a(k0 + ${4 * S * g}u + 4u * lane);`,
  );
  const xs = subgroup
    ? [
        ...own,
        ...Array.from(
          { length: 8 },
          (_, i) => `let x${i} = subgroupBroadcast(mine${Math.floor(i / S)}, ${i % S}u);`,
        ),
      ].join(' ')
    : Array.from({ length: 8 }, (_, i) => `let x${i} = ld4_a(k0 + ${4 * i}u);`).join(' ');
  if (dtype === 'q8') return xs;
  return `${xs}
    let xsum = dot((x0 + x1) + (x2 + x3) + (x4 + x5) + (x6 + x7), vec4<f32>(1.0));`;
}

/** WGSL adding block `blk<r>` of row r times x (blockX) to `acc<r>`. */
function blockDot(dtype: QuantizedDType, r: number): string {
  if (dtype === 'q8') {
    const dots = ['x', 'y', 'z', 'w'].flatMap((c, i) => [
      `dot(q8x4(w0.${c}), x${i})`,
      `dot(q8x4(w1.${c}), x${i + 4})`,
    ]);
    return `{ let blk = blk${r}; let w0 = b[2u * blk]; let w1 = b[2u * blk + 1u];
    acc${r} = fma(${dots.join(' + ')}, scale_b(blk), acc${r}); }`;
  }
  const lo = ['x', 'y', 'z', 'w'].map((c, i) => `dot(q4x4(w.${c}), x${i})`);
  const hi = ['x', 'y', 'z', 'w'].map((c, i) => `dot(q4x4(w.${c} >> 4u), x${i + 4})`);
  return `{ let blk = blk${r}; let w = b[blk];
    acc${r} += fma(${[...lo, ...hi].join(' + ')}, scale_b(blk), min_b(blk) * xsum); }`;
}

/**
 * WGSL `lane_sum(v, li)`: the sum of v over the `lanes` threads that share li.<row> (they differ in
 * li.<lane>), for every one of them. Empty when one thread owns each output.
 */
function laneSum(type: string, { lanes, rows }: Split, lane: 'x' | 'y', row: 'x' | 'y'): string {
  if (lanes === 1) return '';
  return `var<workgroup> part: array<${type}, ${lanes * rows}>;
fn lane_sum(v: ${type}, li: vec3<u32>) -> ${type} {
  let slot = li.${row} * ${lanes}u;
  part[slot + li.${lane}] = v;
  workgroupBarrier();
  for (var s = ${lanes / 2}u; s > 0u; s >>= 1u) {
    if (li.${lane} < s) { part[slot + li.${lane}] += part[slot + li.${lane} + s]; }
    workgroupBarrier();
  }
  let r = part[slot];
  workgroupBarrier();
  return r;
}`;
}

function transposedCode(dtype: QuantizedDType, split: Split, subgroup: number | null): string {
  const { lanes, rows, perThread: R } = split;
  const each = (f: (r: number) => string, sep = ' ') => Array.from({ length: R }, (_, r) => f(r)).join(sep);
  const laneId = subgroup ? ', @builtin(subgroup_invocation_id) lane: u32' : '';
  return `${subgroup ? 'enable subgroups;' : ''}${PARAMS_WGSL}
${vec4Loader('a', 1, 'f32')}
${quantInput('b', 2, dtype, MATMUL_PLANES, true)}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${laneSum('f32', split, 'x', 'y')}
@compute @workgroup_size(${lanes}, ${rows})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>${laneId}) {
  let N = pu(1u); let K = pu(2u);
  let col = ((wg.y * nwg.x + wg.x) * ${rows}u + li.y) * ${R}u;
  // rows past the edge compute the last row again (every thread reaches the barriers) and store nothing
  let bbase = pu(7u) + wg.z * pu(4u);
  ${each((r) => `let first${r} = (bbase + min(col + ${r}u, N - 1u) * K) / 32u; var acc${r} = 0.0;`)}
  let abase = pu(6u) + wg.z * pu(3u);
  for (var j = ${lanes > 1 ? 'li.x' : '0u'}; j < K / 32u; j += ${lanes}u) {
    let k0 = abase + 32u * j;
    ${blockX(dtype, subgroup)}
    ${each((r) => `let blk${r} = first${r} + j;`)}
    ${each((r) => blockDot(dtype, r), '\n    ')}
  }
  ${lanes > 1 ? 'acc0 = lane_sum(acc0, li);' : ''}
  if (li.x == 0u) {
    ${each((r) => `if (col + ${r}u < N) { out[wg.z * N + col + ${r}u] = acc${r}; }`)}
  }
}`;
}

function plainCode(dtype: QuantizedDType, split: Split): string {
  const { lanes, rows } = split;
  const accs = wordColumns(dtype) / 4;
  const update =
    dtype === 'q8'
      ? `let d = vec4<f32>(x * scale_b(blk));
      acc[0] = fma(q8x4(w.x), d, acc[0]); acc[1] = fma(q8x4(w.y), d, acc[1]);
      acc[2] = fma(q8x4(w.z), d, acc[2]); acc[3] = fma(q8x4(w.w), d, acc[3]);`
      : `let d = vec4<f32>(x * scale_b(blk)); let m = vec4<f32>(x * min_b(blk));
      ${['x', 'y', 'z', 'w'].map((c, i) => `acc[${i}] += fma(q4x4(w.${c}), d, m); acc[${i + 4}] += fma(q4x4(w.${c} >> 4u), d, m);`).join('\n      ')}`;
  return `${PARAMS_WGSL}
@group(0) @binding(1) var<storage, read> a: array<f32>;
${quantInput('b', 2, dtype, MATMUL_PLANES, true)}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
${laneSum('vec4<f32>', split, 'y', 'x')}
@compute @workgroup_size(${rows}, ${lanes})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) li: vec3<u32>) {
  let N = pu(1u); let K = pu(2u);
  let group = (wg.y * nwg.x + wg.x) * ${rows}u + li.x;
  let col0 = min(group, N / ${wordColumns(dtype)}u - 1u) * ${wordColumns(dtype)}u;
  let abase = pu(6u) + wg.z * pu(3u); let bbase = pu(7u) + wg.z * pu(4u) + col0;
  var acc: array<vec4<f32>, ${accs}>;
  for (var kk = li.y; kk < K; kk += ${lanes}u) {
    let e = bbase + kk * N;
    let blk = e / 32u; let x = a[abase + kk];
    let w = b[e / ${wordColumns(dtype)}u];
    ${update}
  }
  for (var j = 0u; j < ${accs}u; j++) {
    ${lanes > 1 ? 'let v = lane_sum(acc[j], li);' : 'let v = acc[j];'}
    if (li.y == 0u && group * ${wordColumns(dtype)}u < N) {
      for (var c = 0u; c < 4u; c++) { out[wg.z * N + col0 + 4u * j + c] = v[c]; }
    }
  }
}`;
}

/** out [batch, 1, n] = a [batch, 1, k] @ b (q8/q4), b stored [n, k] (transposeB) or [k, n]. */
export function matmulQuantGemv(
  ctx: KernelContext,
  a: Storage,
  b: Storage,
  out: Storage,
  p: MatmulParams,
): void {
  const dtype = b.dtype as QuantizedDType;
  const S = fixedSubgroupSize(ctx.device);
  const subgroup = ctx.software && S && 8 % S === 0 ? S : null;
  const split = !ctx.software ? GPU_SPLIT : subgroup ? SUBGROUP_SPLIT : SOFTWARE_SPLIT;
  const perGroup = p.transposeB ? split.rows * split.perThread : split.rows * wordColumns(dtype);
  const code = p.transposeB ? transposedCode(dtype, split, subgroup) : plainCode(dtype, split);
  const [x, y] = grid2d(Math.ceil(p.n / perGroup));
  launch(ctx, `matmul (${dtype} gemv)`, code, matmulParams(p, b), [a, b, out], [x, y, p.batch]);
}
