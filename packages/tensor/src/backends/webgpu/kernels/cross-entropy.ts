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

/**
 * Shared head of both passes: bindings logits (1), targets (2), mask (3, only when given); the row's
 * weight w, its max mx and sum of exponentials total (so logsumexp = mx + log(total)).
 * Parameter words: n, v, ignoreIndex.
 */
function head(masked: boolean, outputs: string): string {
  return `${PARAMS_WGSL}${ROW_REDUCE_WGSL}
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<i32>;
${masked ? '@group(0) @binding(3) var<storage, read> mask: array<f32>;' : ''}
${outputs}
${ENTRY_ROW} {
  ${ROW_INDEX}
  if (row >= pu(0u)) { return; }
  let cols = pu(1u); let base = row * cols;
  let tgt = targets[row];
  let w = select(1.0, 0.0, tgt == bitcast<i32>(pu(2u)))${masked ? ' * mask[row]' : ''};
  var m = -inf();
  for (var j = lid; j < cols; j += ${ROW_THREADS}u) { m = max(m, logits[base + j]); }
  let mx = wg_max(m, lid);
  var s = 0.0;
  for (var j = lid; j < cols; j += ${ROW_THREADS}u) { s += exp(logits[base + j] - mx); }
  let total = wg_sum(s, lid);`;
}

function params(n: number, v: number, ignoreIndex: number): Params {
  return new Params().u(n, v, ignoreIndex | 0);
}

/** loss[i] = weight[i] * (logsumexp(logits[i]) - logits[i, targets[i]]), weight per Kernels.crossEntropy. */
export function crossEntropy(
  ctx: KernelContext,
  logits: Storage,
  targets: Storage,
  mask: Storage | null,
  loss: Storage,
  weight: Storage,
  n: number,
  v: number,
  ignoreIndex: number,
): void {
  if (n === 0) return;
  const b = mask ? 4 : 3;
  const code = `${head(mask !== null, `${output('loss', b)}\n${output('weight', b + 1)}`)}
  if (lid == 0u) {
    let picked = select(0.0, logits[base + u32(clamp(tgt, 0, i32(cols) - 1))], w != 0.0);
    loss[row] = select(0.0, w * (mx + log(total) - picked), w != 0.0);
    weight[row] = w;
  }
}`;
  const storages = mask ? [logits, targets, mask, loss, weight] : [logits, targets, loss, weight];
  launch(ctx, 'crossEntropy', code, params(n, v, ignoreIndex), storages, grid2d(n));
}

/** dLogits[i, j] = scale[0] * weight[i] * (softmax(logits[i])[j] - (j == targets[i])). */
export function crossEntropyBackward(
  ctx: KernelContext,
  logits: Storage,
  targets: Storage,
  mask: Storage | null,
  scale: Storage,
  dLogits: Storage,
  n: number,
  v: number,
  ignoreIndex: number,
): void {
  if (n * v === 0) return;
  const b = mask ? 4 : 3;
  const code = `${head(mask !== null, `@group(0) @binding(${b}) var<storage, read> scale: array<f32>;\n${output('d_logits', b + 1)}`)}
  let k = scale[0] * w;
  for (var j = lid; j < cols; j += ${ROW_THREADS}u) {
    let p = exp(logits[base + j] - mx) / total;
    d_logits[base + j] = select(0.0, k * (p - select(0.0, 1.0, i32(j) == tgt)), w != 0.0);
  }
}`;
  const storages = mask ? [logits, targets, mask, scale, dLogits] : [logits, targets, scale, dLogits];
  launch(ctx, 'crossEntropy backward', code, params(n, v, ignoreIndex), storages, grid2d(n));
}
