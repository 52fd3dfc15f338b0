import type { Storage } from '../../../backend.js';
import { type FloatArray, floats, ints } from '../storage.js';
import { EXP_BLOCK, expBlock } from '../wasm/exp.js';

function rowWeight(targets: Int32Array, mask: FloatArray | null, i: number, ignore: number) {
  if (targets[i] === ignore) return 0;
  return mask ? mask[i] : 1;
}

/** The row's max plus the log of its exps' sum, added in column order (the exps a block at a time). */
function logSumExp(x: FloatArray, base: number, v: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < v; c++) max = Math.max(max, x[base + c]);
  let sum = 0;
  for (let c0 = 0; c0 < v; c0 += EXP_BLOCK) {
    const count = Math.min(EXP_BLOCK, v - c0);
    const e = expBlock(x, base + c0, count, 1, max);
    for (let j = 0; j < count; j++) sum += e[j];
  }
  return max + Math.log(sum);
}

export function crossEntropy(
  logits: Storage,
  targets: Storage,
  mask: Storage | null,
  loss: Storage,
  weight: Storage,
  n: number,
  v: number,
  ignoreIndex: number,
): void {
  const x = floats(logits);
  const t = ints(targets);
  const m = mask ? floats(mask) : null;
  const lossOut = floats(loss);
  const weightOut = floats(weight);
  for (let i = 0; i < n; i++) {
    const w = rowWeight(t, m, i, ignoreIndex);
    weightOut[i] = w;
    lossOut[i] = w === 0 ? 0 : w * (logSumExp(x, i * v, v) - x[i * v + t[i]]);
  }
}

export function crossEntropyBackward(
  logits: Storage,
  targets: Storage,
  mask: Storage | null,
  scale: Storage,
  dLogits: Storage,
  n: number,
  v: number,
  ignoreIndex: number,
): void {
  const x = floats(logits);
  const t = ints(targets);
  const m = mask ? floats(mask) : null;
  const s = floats(scale)[0];
  const dx = floats(dLogits);
  for (let i = 0; i < n; i++) {
    const base = i * v;
    const w = rowWeight(t, m, i, ignoreIndex) * s;
    if (w === 0) {
      dx.fill(0, base, base + v);
      continue;
    }
    const lse = logSumExp(x, base, v);
    for (let c0 = 0; c0 < v; c0 += EXP_BLOCK) {
      const count = Math.min(EXP_BLOCK, v - c0);
      const e = expBlock(x, base + c0, count, 1, lse);
      for (let j = 0; j < count; j++) dx[base + c0 + j] = w * e[j];
    }
    dx[base + t[i]] -= w;
  }
}

/**
 * Loss, weight and the unscaled gradient of each row in one pass over its logits: one exp per element (the
 * forward and backward kernels above take three). dLogits may be the logits storage itself (overwritten).
 */
export function crossEntropyGrad(
  logits: Storage,
  targets: Storage,
  mask: Storage | null,
  loss: Storage,
  weight: Storage,
  dLogits: Storage,
  n: number,
  v: number,
  ignoreIndex: number,
): void {
  const x = floats(logits);
  const t = ints(targets);
  const m = mask ? floats(mask) : null;
  const lossOut = floats(loss);
  const weightOut = floats(weight);
  const dx = floats(dLogits);
  for (let i = 0; i < n; i++) {
    const base = i * v;
    const w = rowWeight(t, m, i, ignoreIndex);
    weightOut[i] = w;
    if (w === 0) {
      lossOut[i] = 0;
      dx.fill(0, base, base + v);
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < v; c++) max = Math.max(max, x[base + c]);
    const target = x[base + t[i]];
    let sum = 0;
    for (let c0 = 0; c0 < v; c0 += EXP_BLOCK) {
      const count = Math.min(EXP_BLOCK, v - c0);
      const e = expBlock(x, base + c0, count, 1, max);
      for (let j = 0; j < count; j++) {
        sum += e[j];
        dx[base + c0 + j] = e[j];
      }
    }
    lossOut[i] = w * (max + Math.log(sum) - target);
    const scale = w / sum;
    for (let c = 0; c < v; c++) dx[base + c] *= scale;
    dx[base + t[i]] -= w;
  }
}
