import type { RopeParams, Storage } from '../../../backend.js';
import { floats, ints } from '../storage.js';

export function rope(x: Storage, positions: Storage, invFreq: Storage, out: Storage, p: RopeParams): void {
  const src = floats(x);
  const dst = floats(out);
  const pos = ints(positions);
  const freq = floats(invFreq);
  const r = p.rotaryDim;
  const half = r / 2;
  for (let o = 0; o < p.outer; o++) {
    for (let t = 0; t < p.t; t++) {
      for (let h = 0; h < p.heads; h++) {
        const base = ((o * p.t + t) * p.heads + h) * r;
        for (let i = 0; i < half; i++) {
          const angle = pos[t] * freq[i];
          const c = Math.cos(angle) * p.scale;
          const s = Math.sin(angle) * p.scale;
          // position of the pair in the interleaved (source) layout
          const i0 = p.interleaved ? base + 2 * i : base + i;
          const i1 = p.interleaved ? base + 2 * i + 1 : base + i + half;
          if (!p.inverse) {
            const x0 = src[i0];
            const x1 = src[i1];
            dst[base + i] = x0 * c - x1 * s;
            dst[base + i + half] = x1 * c + x0 * s;
          } else {
            const y0 = src[base + i];
            const y1 = src[base + i + half];
            dst[i0] = y0 * c + y1 * s;
            dst[i1] = y1 * c - y0 * s;
          }
        }
      }
    }
  }
}
