import type { AdamWParams, Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { ENTRY_1D, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/** Words: n, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2. */
const CODE = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
${output('param', 1)}
@group(0) @binding(2) var<storage, read> grad: array<f32>;
${output('m', 3)}
${output('v', 4)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let lr = pf(1u); let b1 = pf(2u); let b2 = pf(3u); let eps = pf(4u); let wd = pf(5u);
  let g = grad[i];
  let mi = b1 * m[i] + (1.0 - b1) * g;
  let vi = b2 * v[i] + (1.0 - b2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let w = param[i];
  param[i] = w - lr * ((mi / pf(6u)) / (sqrt(vi / pf(7u)) + eps) + wd * w);
}`;

/** Fused in-place AdamW step (decoupled weight decay), one thread per parameter. */
export function adamw(
  ctx: KernelContext,
  param: Storage,
  grad: Storage,
  m: Storage,
  v: Storage,
  p: AdamWParams,
): void {
  if (param.size === 0) return;
  const params = new Params()
    .u(param.size)
    .f(p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.biasCorrection1, p.biasCorrection2);
  launch(ctx, 'adamw', CODE, params, [param, grad, m, v], threads(param.size));
}
