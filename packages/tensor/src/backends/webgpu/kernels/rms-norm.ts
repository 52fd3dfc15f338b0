import type { Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import {
  ENTRY_1D,
  ENTRY_ROW,
  grid2d,
  output,
  PARAMS_WGSL,
  Params,
  ROW_INDEX,
  ROW_REDUCE_WGSL,
  ROW_THREADS,
  THREAD_INDEX_WGSL,
  threads,
} from '../wgsl.js';

const COLS = `for (var j = lid; j < cols; j += ${ROW_THREADS}u)`;

/** out = x * rstd * w with rstd = 1/sqrt(mean(x^2) + eps), one workgroup per row. Words: rows, cols, eps. */
const FORWARD = `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
${output('out', 3)}
${output('rstd', 4)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  if (row >= pu(0u)) { return; }
  let cols = pu(1u); let base = row * cols;
  var s = 0.0;
  ${COLS} { let v = x[base + j]; s += v * v; }
  let r = inverseSqrt(wg_sum(s, lid) / f32(cols) + pf(2u));
  ${COLS} { out[base + j] = x[base + j] * r * w[j]; }
  if (lid == 0u) { rstd[row] = r; }
}`;

/** dx = rstd * (w dy - x rstd^2 mean(x w dy)), one workgroup per row. */
const BACKWARD_X = `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
${output('dx', 5)}
${ENTRY_ROW} {
  ${ROW_INDEX}
  if (row >= pu(0u)) { return; }
  let cols = pu(1u); let base = row * cols;
  let r = rstd[row];
  var s = 0.0;
  ${COLS} { s += x[base + j] * w[j] * dy[base + j]; }
  let c = wg_sum(s, lid) / f32(cols) * r * r;
  ${COLS} { dx[base + j] = r * (w[j] * dy[base + j] - x[base + j] * c); }
}`;

/** dw[j] = sum over rows of dy * x * rstd, one thread per column (rows summed in order: deterministic). */
const BACKWARD_W = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
${output('dw', 4)}
${ENTRY_1D} {
  let j = thread_index(wg, nwg, lid);
  let rows = pu(0u); let cols = pu(1u);
  if (j >= cols) { return; }
  var s = 0.0;
  for (var row = 0u; row < rows; row++) { s += dy[row * cols + j] * x[row * cols + j] * rstd[row]; }
  dw[j] = s;
}`;

export function rmsNorm(
  ctx: KernelContext,
  x: Storage,
  w: Storage,
  out: Storage,
  rstd: Storage,
  rows: number,
  cols: number,
  eps: number,
): void {
  if (rows * cols === 0) return;
  launch(ctx, 'rmsNorm', FORWARD, new Params().u(rows, cols).f(eps), [x, w, out, rstd], grid2d(rows));
}

export function rmsNormBackward(
  ctx: KernelContext,
  x: Storage,
  w: Storage,
  rstd: Storage,
  dy: Storage,
  dx: Storage,
  dw: Storage,
  rows: number,
  cols: number,
): void {
  if (cols === 0) return;
  const p = new Params().u(rows, cols);
  if (rows > 0) launch(ctx, 'rmsNorm backward', BACKWARD_X, p, [x, w, rstd, dy, dx], grid2d(rows));
  launch(ctx, 'rmsNorm backward (weight)', BACKWARD_W, p, [x, rstd, dy, dw], threads(cols));
}
