import type { Storage } from '../../../backend.js';
import { floats } from '../storage.js';
import { EXP_BLOCK, expBlock } from '../wasm/exp.js';

/** y = silu(g) · u = g / (1 + exp(-g)) · u, in f64 per element; the exps come a block at a time. */
export function swiglu(gate: Storage, up: Storage, out: Storage): void {
  const g = floats(gate);
  const u = floats(up);
  const y = floats(out);
  for (let start = 0; start < y.length; start += EXP_BLOCK) {
    const count = Math.min(EXP_BLOCK, y.length - start);
    const e = expBlock(g, start, count, -1, 0);
    for (let j = 0, i = start; j < count; j++, i++) y[i] = (g[i] / (1 + e[j])) * u[i];
  }
}

export function swigluBackward(gate: Storage, up: Storage, dy: Storage, dGate: Storage, dUp: Storage): void {
  const g = floats(gate);
  const u = floats(up);
  const d = floats(dy);
  const dg = floats(dGate);
  const du = floats(dUp);
  for (let start = 0; start < g.length; start += EXP_BLOCK) {
    const count = Math.min(EXP_BLOCK, g.length - start);
    const e = expBlock(g, start, count, -1, 0);
    for (let j = 0, i = start; j < count; j++, i++) {
      const s = 1 / (1 + e[j]);
      du[i] = d[i] * g[i] * s;
      dg[i] = d[i] * u[i] * s * (1 + g[i] * (1 - s));
    }
  }
}
