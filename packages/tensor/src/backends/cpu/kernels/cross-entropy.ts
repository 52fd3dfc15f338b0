import type { Storage } from '../../../backend.js';
import { floats, ints } from '../storage.js';

function rowWeight(targets: Int32Array, mask: Float32Array | Float64Array | null, i: number, ignore: number) {
  if (targets[i] === ignore) return 0;
  return mask ? mask[i] : 1;
}

function logSumExp(x: Float32Array | Float64Array, base: number, v: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < v; c++) max = Math.max(max, x[base + c]);
  let sum = 0;
  for (let c = 0; c < v; c++) sum += Math.exp(x[base + c] - max);
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
    for (let c = 0; c < v; c++) dx[base + c] = w * Math.exp(x[base + c] - lse);
    dx[base + t[i]] -= w;
  }
}
