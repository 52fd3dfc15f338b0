import type { Storage } from '../../../backend.js';
import { floats } from '../storage.js';

export function softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
  const src = floats(x);
  const dst = floats(out);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) max = Math.max(max, src[base + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(src[base + c] - max);
    if (log) {
      const lse = max + Math.log(sum);
      for (let c = 0; c < cols; c++) dst[base + c] = src[base + c] - lse;
    } else {
      for (let c = 0; c < cols; c++) dst[base + c] = Math.exp(src[base + c] - max) / sum;
    }
  }
}

export function softmaxBackward(
  y: Storage,
  dy: Storage,
  dx: Storage,
  rows: number,
  cols: number,
  log: boolean,
): void {
  const yv = floats(y);
  const g = floats(dy);
  const out = floats(dx);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += log ? g[base + c] : g[base + c] * yv[base + c];
    for (let c = 0; c < cols; c++) {
      const i = base + c;
      out[i] = log ? g[i] - Math.exp(yv[i]) * dot : yv[i] * (g[i] - dot);
    }
  }
}
