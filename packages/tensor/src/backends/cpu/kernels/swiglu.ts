import type { Storage } from '../../../backend.js';
import { floats } from '../storage.js';

export function swiglu(gate: Storage, up: Storage, out: Storage): void {
  const g = floats(gate);
  const u = floats(up);
  const y = floats(out);
  for (let i = 0; i < y.length; i++) y[i] = (g[i] / (1 + Math.exp(-g[i]))) * u[i];
}

export function swigluBackward(gate: Storage, up: Storage, dy: Storage, dGate: Storage, dUp: Storage): void {
  const g = floats(gate);
  const u = floats(up);
  const d = floats(dy);
  const dg = floats(dGate);
  const du = floats(dUp);
  for (let i = 0; i < g.length; i++) {
    const s = 1 / (1 + Math.exp(-g[i]));
    du[i] = d[i] * g[i] * s;
    dg[i] = d[i] * u[i] * s * (1 + g[i] * (1 - s));
  }
}
