import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

/** The CPU AdamW (wasm SIMD for f32) against the Backend contract's formula in plain f64, bit for bit. */
describe('cpu adamw', () => {
  it('matches the contract formula exactly over several steps, across blocks and an odd tail', () => {
    const n = 8192 * 2 + 5;
    const wave = (scale: number, f: (i: number) => number) =>
      Float32Array.from({ length: n }, (_, i) => scale * f(i));
    const init = [
      wave(0.5, Math.sin),
      wave(0.01, Math.cos),
      wave(1e-3, (i) => Math.sin(1.3 * i)),
      wave(1e-4, (i) => Math.abs(Math.cos(0.7 * i))),
    ];
    const backend = createCpuBackend();
    const [w, g, m, v] = init.map((data) => {
      const s = backend.alloc(n, 'f32');
      backend.upload(s, data);
      return s;
    });
    const [rw, rg, rm, rv] = init.map((data) => data.slice());
    for (let step = 1; step <= 3; step++) {
      const p = {
        lr: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.1,
        biasCorrection1: 1 - 0.9 ** step,
        biasCorrection2: 1 - 0.999 ** step,
      };
      backend.adamw(w, g, m, v, p);
      for (let i = 0; i < n; i++) {
        rm[i] = p.beta1 * rm[i] + (1 - p.beta1) * rg[i];
        rv[i] = p.beta2 * rv[i] + (1 - p.beta2) * rg[i] * rg[i];
        rw[i] -=
          p.lr *
          (rm[i] / p.biasCorrection1 / (Math.sqrt(rv[i] / p.biasCorrection2) + p.eps) +
            p.weightDecay * rw[i]);
      }
    }
    expect(backend.readSync?.(w)).toEqual(rw);
    expect(backend.readSync?.(m)).toEqual(rm);
    expect(backend.readSync?.(v)).toEqual(rv);
  });
});
