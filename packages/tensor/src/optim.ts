import { noGrad } from './autograd.js';
import { TensorError } from './errors.js';
import { keep, tidy } from './memory.js';
import { zeros } from './ops/creation.js';
import { add, div, maximum, mul, sqrt } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import type { Tensor } from './tensor.js';

/** Per-parameter AdamW moments and the step count. Create one per optimizer; dispose() frees the moments. */
export class AdamWState {
  step = 0;
  readonly moments = new Map<Tensor, { m: Tensor; v: Tensor }>();

  /** @internal */
  momentsOf(param: Tensor): { m: Tensor; v: Tensor } {
    let entry = this.moments.get(param);
    if (!entry) {
      const opts = { backend: param.backend };
      entry = { m: keep(zeros(param.shape, opts)), v: keep(zeros(param.shape, opts)) };
      this.moments.set(param, entry);
    }
    return entry;
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }
}

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /**
   * Which params get weight decay, parallel to `params`. Default: params with 2+ dims (matrices and
   * embeddings), not norms' vectors.
   */
  decay?: readonly boolean[];
}

/**
 * One fused AdamW step (decoupled weight decay) over every param that has a gradient, in place. Params
 * must be f32 leaves. Advances `state.step` once per call.
 */
export function adamw(params: readonly Tensor[], state: AdamWState, opts: AdamWOptions): void {
  const beta1 = opts.beta1 ?? 0.9;
  const beta2 = opts.beta2 ?? 0.999;
  state.step++;
  const shared = {
    lr: opts.lr,
    beta1,
    beta2,
    eps: opts.eps ?? 1e-8,
    biasCorrection1: 1 - beta1 ** state.step,
    biasCorrection2: 1 - beta2 ** state.step,
  };
  params.forEach((param, i) => {
    if (!param.grad) return;
    if (param.dtype !== 'f32') {
      throw new TensorError(
        `adamw: param ${i} [${param.shape}] is ${param.dtype}; keep f32 master weights`,
        'DTYPE',
      );
    }
    if (!param._isWhole) {
      throw new TensorError(
        `adamw: param ${i} [${param.shape}] is a strided view; pass dense parameters (contiguous())`,
        'VIEW_PARAM',
      );
    }
    const decays = opts.decay ? opts.decay[i] : param.rank >= 2;
    const { m, v } = state.momentsOf(param);
    param.backend.adamw(param.storage, param.grad.storage, m.storage, v.storage, {
      ...shared,
      weightDecay: decays ? (opts.weightDecay ?? 0) : 0,
    });
    param._liveRef.version++; // dense copies of views of the param are stale now
  });
}

/** Dispose and clear every param's gradient. */
export function zeroGrad(params: readonly Tensor[]): void {
  for (const p of params) {
    p.grad?.dispose();
    p.grad = null;
  }
}

/**
 * Scale all gradients so that their global L2 norm is at most maxNorm; returns the norm before clipping.
 * The scaling happens on the device; only the norm is read back.
 */
export async function clipGradNorm(params: readonly Tensor[], maxNorm: number): Promise<number> {
  const withGrad = params.filter((p) => p.grad);
  if (withGrad.length === 0) return 0;
  const norm = noGrad(() =>
    tidy(() => {
      let total: Tensor | null = null;
      for (const p of withGrad) {
        const g = p.grad as Tensor;
        const squares = sum(mul(g, g));
        total = total ? add(total, squares) : squares;
      }
      const n = sqrt(total as Tensor);
      // factor = maxNorm / max(norm, maxNorm) is 1 when the norm is already small enough
      const factor = div(maxNorm, maximum(n, maxNorm));
      for (const p of withGrad) {
        const scaled = keep(mul(p.grad as Tensor, factor));
        p.grad?.dispose();
        p.grad = scaled;
      }
      return n;
    }),
  );
  const value = await norm.item();
  norm.dispose();
  return value;
}
