import type { Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import {
  ENTRY_ROW,
  grid2d,
  output,
  PARAMS_WGSL,
  Params,
  ROW_INDEX,
  ROW_REDUCE_WGSL,
  ROW_THREADS,
} from '../wgsl.js';

/** Loop over this thread's columns of the current row. */
const COLS = `for (var j = lid; j < cols; j += ${ROW_THREADS}u)`;

/** Softmax / log-softmax of each row, one workgroup per row: max, sum of exp, then the write. */
export function softmax(
  ctx: KernelContext,
  x: Storage,
  out: Storage,
  rows: number,
  cols: number,
  log: boolean,
): void {
  if (rows * cols === 0) return;
  const write = log
    ? 'out[base + j] = xs[base + j] - mx - log(total);'
    : 'out[base + j] = exp(xs[base + j] - mx) / total;';
  const code = `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
${output('out', 2)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  if (row >= pu(0u)) { return; }
  let cols = pu(1u); let base = row * cols;
  var m = -inf();
  ${COLS} { m = max(m, xs[base + j]); }
  let mx = wg_max(m, lid);
  var s = 0.0;
  ${COLS} { s += exp(xs[base + j] - mx); }
  let total = wg_sum(s, lid);
  ${COLS} { ${write} }
}`;
  launch(ctx, log ? 'logSoftmax' : 'softmax', code, new Params().u(rows, cols), [x, out], grid2d(rows));
}

/** dx from the forward output y and dy, one workgroup per row (see Kernels.softmaxBackward). */
export function softmaxBackward(
  ctx: KernelContext,
  y: Storage,
  dy: Storage,
  dx: Storage,
  rows: number,
  cols: number,
  log: boolean,
): void {
  if (rows * cols === 0) return;
  const partial = log ? 'dys[base + j]' : 'dys[base + j] * ys[base + j]';
  const write = log
    ? 'dx[base + j] = dys[base + j] - exp(ys[base + j]) * total;'
    : 'dx[base + j] = ys[base + j] * (dys[base + j] - total);';
  const code = `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> ys: array<f32>;
@group(0) @binding(2) var<storage, read> dys: array<f32>;
${output('dx', 3)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  if (row >= pu(0u)) { return; }
  let cols = pu(1u); let base = row * cols;
  var s = 0.0;
  ${COLS} { s += ${partial}; }
  let total = wg_sum(s, lid);
  ${COLS} { ${write} }
}`;
  const name = log ? 'logSoftmax backward' : 'softmax backward';
  launch(ctx, name, code, new Params().u(rows, cols), [y, dy, dx], grid2d(rows));
}
