import type { ReduceOp, Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import {
  ENTRY_1D,
  ENTRY_ROW,
  grid2d,
  output,
  PARAMS_WGSL,
  Params,
  ROW_INDEX,
  ROW_THREADS,
  THREAD_INDEX_WGSL,
  threads,
} from '../wgsl.js';

/** Below this reduced length one thread folds a whole output serially; above it a workgroup shares it. */
const SERIAL_MAX = 32;

/** (identity, fold of running value v with element x at index j) per op; argmax also tracks the index. */
const FOLD: Record<ReduceOp, { init: string; step: string }> = {
  sum: { init: '0.0', step: 'v = v + x;' },
  max: { init: '-inf()', step: 'v = max(v, x);' },
  min: { init: 'inf()', step: 'v = min(v, x);' },
  argmax: { init: '-inf()', step: 'if (x > v || (x != x && v == v)) { v = x; best = j; }' },
};

const COMBINE: Record<ReduceOp, string> = {
  sum: 'vals[lid] = vals[lid] + vals[lid + s];',
  max: 'vals[lid] = max(vals[lid], vals[lid + s]);',
  min: 'vals[lid] = min(vals[lid], vals[lid + s]);',
  argmax: `let ov = vals[lid + s]; let oi = idxs[lid + s];
      if (ov > vals[lid] || (ov == vals[lid] && oi < idxs[lid]) || (ov != ov && vals[lid] == vals[lid])) { vals[lid] = ov; idxs[lid] = oi; }`,
};

/**
 * Reduction of x viewed as [outer, r, inner] along r; out is [outer, inner]. Parameter words:
 * outputs, r, inner.
 */
export function reduce(
  ctx: KernelContext,
  op: ReduceOp,
  x: Storage,
  out: Storage,
  outer: number,
  r: number,
  inner: number,
): void {
  const outputs = outer * inner;
  if (outputs === 0) return;
  const { init, step } = FOLD[op];
  const outType = op === 'argmax' ? 'i32' : 'f32';
  const result = op === 'argmax' ? 'i32(best)' : 'v';
  const header = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
${output('out', 2, outType)}`;
  const p = new Params().u(outputs, r, inner);
  if (r <= SERIAL_MAX) {
    const code = `${header}
${ENTRY_1D} {
  let o = thread_index(wg, nwg, lid);
  if (o >= pu(0u)) { return; }
  let r = pu(1u); let inner = pu(2u);
  let base = (o / inner) * r * inner + o % inner;
  var v = ${init}; var best = 0u;
  for (var j = 0u; j < r; j++) { let x = xs[base + j * inner]; ${step} }
  out[o] = ${result};
}`;
    launch(ctx, `reduce ${op}`, code, p, [x, out], threads(outputs));
    return;
  }
  const code = `${header}
var<workgroup> vals: array<f32, ${ROW_THREADS}>;
var<workgroup> idxs: array<u32, ${ROW_THREADS}>;
${ENTRY_ROW} {
  ${ROW_INDEX}
  let o = row;
  if (o >= pu(0u)) { return; }
  let r = pu(1u); let inner = pu(2u);
  let base = (o / inner) * r * inner + o % inner;
  var v = ${init}; var best = 0u;
  for (var j = lid; j < r; j += ${ROW_THREADS}u) { let x = xs[base + j * inner]; ${step} }
  vals[lid] = v; idxs[lid] = best;
  workgroupBarrier();
  for (var s = ${ROW_THREADS / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { ${COMBINE[op]} }
    workgroupBarrier();
  }
  if (lid == 0u) { v = vals[0]; best = idxs[0]; out[o] = ${result}; }
}`;
  launch(ctx, `reduce ${op}`, code, p, [x, out], grid2d(outputs));
}
