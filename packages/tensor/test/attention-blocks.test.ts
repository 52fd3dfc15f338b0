import { describe, expect, it } from 'vitest';
import type { AttentionParams, Storage } from '../src/backend.js';
import { attention, attentionBackward } from '../src/backends/cpu/kernels/attention.js';

/**
 * The blocked WebAssembly attention (f32) against the row-by-row f64 kernel (the reference mode's path)
 * on shapes that span several query blocks, ragged edges, causal offsets and a shared KV head: the
 * conformance cases are too short to cross a block boundary.
 */

const storage = (data: Float32Array | Float64Array): Storage =>
  ({ size: data.length, dtype: 'f32', data }) as unknown as Storage;

function random(seed: number, length: number): Float64Array {
  let s = seed;
  return Float64Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

/** out, lse, dq, dk, dv of one forward+backward, in f32 (wasm path) or f64 (reference path). */
function run(p: AttentionParams, inputs: Float64Array[], f64: boolean): (Float32Array | Float64Array)[] {
  const make = (n: number, from?: Float64Array) => {
    const data = f64 ? new Float64Array(n) : new Float32Array(n);
    data.fill(7); // stale values must be overwritten
    if (from) data.set(from);
    return data;
  };
  const [q, k, v, dOut] = inputs.map((x) => make(x.length, x));
  const out = make(p.batch * p.heads * p.tq * p.dv);
  const lse = make(p.batch * p.heads * p.tq);
  const [dq, dk, dv] = [make(q.length), make(k.length), make(v.length)];
  const s = storage;
  attention(s(q), s(k), s(v), s(out), s(lse), p);
  attentionBackward(s(q), s(k), s(v), s(out), s(lse), s(dOut), s(dq), s(dk), s(dv), p);
  return [out, lse, dq, dk, dv];
}

const shapes: [string, Omit<AttentionParams, 'scale'>][] = [
  [
    'nano-like causal',
    { batch: 2, heads: 4, kvHeads: 4, tq: 128, tk: 128, d: 48, dv: 32, causal: true, queryOffset: 0 },
  ],
  [
    'shared KV head, ragged',
    { batch: 2, heads: 3, kvHeads: 1, tq: 70, tk: 70, d: 9, dv: 5, causal: true, queryOffset: 0 },
  ],
  [
    'causal with offset',
    { batch: 1, heads: 2, kvHeads: 2, tq: 37, tk: 53, d: 5, dv: 7, causal: true, queryOffset: 16 },
  ],
  [
    'rows that see no key',
    { batch: 1, heads: 2, kvHeads: 1, tq: 40, tk: 30, d: 8, dv: 8, causal: true, queryOffset: -5 },
  ],
  [
    'not causal',
    { batch: 1, heads: 2, kvHeads: 2, tq: 66, tk: 41, d: 12, dv: 3, causal: false, queryOffset: 0 },
  ],
  [
    'decode row',
    { batch: 2, heads: 4, kvHeads: 1, tq: 1, tk: 75, d: 6, dv: 4, causal: true, queryOffset: 74 },
  ],
];

describe('CPU attention, blocked WebAssembly path', () => {
  for (const [name, shape] of shapes) {
    it(`matches the f64 kernel: ${name}`, () => {
      const p = { ...shape, scale: 1 / Math.sqrt(shape.d) };
      const inputs = [
        random(1, p.batch * p.heads * p.tq * p.d),
        random(2, p.batch * p.kvHeads * p.tk * p.d),
        random(3, p.batch * p.kvHeads * p.tk * p.dv),
        random(4, p.batch * p.heads * p.tq * p.dv),
      ];
      const fast = run(p, inputs, false);
      const reference = run(p, inputs, true);
      expect(fast[0]).toBeInstanceOf(Float32Array);
      ['out', 'lse', 'dq', 'dk', 'dv'].forEach((what, t) => {
        let worst = 0;
        for (let i = 0; i < reference[t].length; i++) {
          const want = reference[t][i];
          const got = fast[t][i];
          const error = want === got ? 0 : Math.abs(got - want) / (1 + Math.abs(want));
          if (!(error <= worst)) worst = error; // NaN sticks
        }
        expect(worst, what).toBeLessThan(2e-5);
      });
    });
  }
});
