import type { RopeParams, Storage } from '../../../backend.js';
import { type FloatArray, floats, ints } from '../storage.js';

/**
 * The rotation table cos(p·f)·scale, sin(p·f)·scale of the last call, [t][half]: every head, every
 * outer row and every call with the same positions, frequencies and scale (q and k of every layer, the
 * forward and the backward of a step) reuses it instead of recomputing the trigonometry.
 */
let table: {
  positions: Int32Array;
  freq: FloatArray;
  scale: number;
  cos: Float64Array;
  sin: Float64Array;
} | null = null;

function rotations(pos: Int32Array, freq: FloatArray, t: number, half: number, scale: number) {
  if (
    table &&
    table.scale === scale &&
    table.positions.length === t &&
    table.freq.length === half &&
    table.positions.every((v, i) => v === pos[i]) &&
    table.freq.every((v, i) => v === freq[i])
  ) {
    return table;
  }
  const cos = new Float64Array(t * half);
  const sin = new Float64Array(t * half);
  for (let ti = 0; ti < t; ti++) {
    for (let i = 0; i < half; i++) {
      const angle = pos[ti] * freq[i];
      cos[ti * half + i] = Math.cos(angle) * scale;
      sin[ti * half + i] = Math.sin(angle) * scale;
    }
  }
  table = { positions: pos.slice(0, t), freq: freq.slice(0, half), scale, cos, sin };
  return table;
}

export function rope(x: Storage, positions: Storage, invFreq: Storage, out: Storage, p: RopeParams): void {
  const src = floats(x);
  const dst = floats(out);
  const r = p.rotaryDim;
  const half = r / 2;
  const { cos, sin } = rotations(ints(positions), floats(invFreq), p.t, half, p.scale);
  for (let o = 0; o < p.outer; o++) {
    for (let t = 0; t < p.t; t++) {
      for (let h = 0; h < p.heads; h++) {
        const base = ((o * p.t + t) * p.heads + h) * r;
        for (let i = 0; i < half; i++) {
          const c = cos[t * half + i];
          const s = sin[t * half + i];
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
