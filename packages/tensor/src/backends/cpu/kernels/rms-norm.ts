import type { Storage } from '../../../backend.js';
import { floats } from '../storage.js';

export function rmsNorm(
  x: Storage,
  w: Storage,
  out: Storage,
  rstd: Storage,
  rows: number,
  cols: number,
  eps: number,
): void {
  const xv = floats(x);
  const wv = floats(w);
  const y = floats(out);
  const r = floats(rstd);
  for (let row = 0; row < rows; row++) {
    const base = row * cols;
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += xv[base + c] * xv[base + c];
    const inv = 1 / Math.sqrt(sq / cols + eps);
    r[row] = inv;
    for (let c = 0; c < cols; c++) y[base + c] = xv[base + c] * inv * wv[c];
  }
}

/** dx = rstd*w*dy - x * rstd^3/cols * sum(dy*w*x); dw = sum over rows of dy*x*rstd. */
export function rmsNormBackward(
  x: Storage,
  w: Storage,
  rstd: Storage,
  dy: Storage,
  dx: Storage,
  dw: Storage,
  rows: number,
  cols: number,
): void {
  const xv = floats(x);
  const wv = floats(w);
  const r = floats(rstd);
  const g = floats(dy);
  const gx = floats(dx);
  const gw = floats(dw);
  gw.fill(0);
  for (let row = 0; row < rows; row++) {
    const base = row * cols;
    const inv = r[row];
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += g[base + c] * wv[c] * xv[base + c];
    const k = (inv * inv * inv * dot) / cols;
    for (let c = 0; c < cols; c++) {
      gx[base + c] = inv * wv[c] * g[base + c] - xv[base + c] * k;
      gw[c] += g[base + c] * xv[base + c] * inv;
    }
  }
}
