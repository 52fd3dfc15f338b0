import { record } from '../autograd.js';
import type { RopeParams } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { newTensor, requireDType, sameBackend, shapeError } from './util.js';

/** YaRN context extension (DeepSeek-V2/V3 formulation); field names follow HF `rope_scaling`. */
export interface YarnScaling {
  factor: number;
  originalMaxPositionEmbeddings: number;
  betaFast?: number;
  betaSlow?: number;
  mscale?: number;
  mscaleAllDim?: number;
}

export interface RopeOptions {
  /** Base of the inverse frequencies theta^(-2i/r). */
  theta: number;
  /** De-interleave the rotary dims (even then odd) before rotating (HF `rope_interleave`). */
  interleaved: boolean;
  scaling?: YarnScaling | null;
}

function yarnMscale(scale: number, mscale: number): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * Inverse frequencies for r rotary dims and the cos/sin multiplier. With YaRN the low-frequency dims are
 * interpolated by `factor`, the high-frequency ones kept, with a linear ramp between the correction dims.
 */
export function ropeFrequencies(
  rotaryDim: number,
  opts: RopeOptions,
): { invFreq: Float32Array; scale: number } {
  const half = rotaryDim / 2;
  const base = Array.from({ length: half }, (_, i) => opts.theta ** (-(2 * i) / rotaryDim));
  const yarn = opts.scaling;
  if (!yarn) return { invFreq: Float32Array.from(base), scale: 1 };
  const { factor, originalMaxPositionEmbeddings: maxPos } = yarn;
  const correctionDim = (rotations: number) =>
    (rotaryDim * Math.log(maxPos / (rotations * 2 * Math.PI))) / (2 * Math.log(opts.theta));
  const low = Math.max(Math.floor(correctionDim(yarn.betaFast ?? 32)), 0);
  let high = Math.min(Math.ceil(correctionDim(yarn.betaSlow ?? 1)), rotaryDim - 1);
  if (low === high) high += 0.001;
  const invFreq = Float32Array.from(base, (extra, i) => {
    const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
    const keepExtrapolated = 1 - ramp;
    return (extra / factor) * (1 - keepExtrapolated) + extra * keepExtrapolated;
  });
  const scale = yarnMscale(factor, yarn.mscale ?? 1) / yarnMscale(factor, yarn.mscaleAllDim ?? 0);
  return { invFreq, scale };
}

/**
 * Rotary position embedding of x [..., T, H, r] at positions i32 [T]. The output keeps the rotate-half
 * (de-interleaved) layout when `interleaved` is set, as HF DeepSeek-V3 does; q and k get the same layout,
 * so their dot products are those of the interleaved rotation.
 */
export function rope(x: Tensor, positions: Tensor, opts: RopeOptions): Tensor {
  const ts = [x, positions];
  const backend = sameBackend('rope', ts);
  requireDType('rope', ts, x, ['f32']);
  requireDType('rope', ts, positions, ['i32']);
  if (x.rank < 3) throw shapeError('rope', ts, 'x must be [..., T, heads, rotaryDim]');
  const [t, heads, rotaryDim] = x.shape.slice(-3);
  if (rotaryDim % 2 !== 0) throw shapeError('rope', ts, `rotaryDim ${rotaryDim} must be even`);
  if (positions.rank !== 1 || positions.shape[0] !== t) {
    throw shapeError('rope', ts, `positions must be [${t}] (the T dim of x)`);
  }
  const { invFreq, scale } = ropeFrequencies(rotaryDim, opts);
  const freq = tensor(invFreq, [rotaryDim / 2], { backend });
  const p: RopeParams = {
    outer: x.size / (t * heads * rotaryDim),
    t,
    heads,
    rotaryDim,
    scale,
    interleaved: opts.interleaved,
    inverse: false,
  };
  const y = newTensor(backend, x.shape, 'f32');
  backend.rope(x.storage, positions.storage, freq.storage, y.storage, p);
  record(
    y,
    [x],
    (dy) => {
      const dx = newTensor(backend, x.shape, 'f32');
      backend.rope(dy.storage, positions.storage, freq.storage, dx.storage, { ...p, inverse: true });
      return [dx];
    },
    [freq],
  );
  return y;
}
