import { describe, expect, it } from 'vitest';
import { EXP_BLOCK, expBlock } from '../src/backends/cpu/wasm/exp.js';

/** The wasm f64 exp the CPU swiglu and cross-entropy kernels use, against Math.exp. */
describe('cpu wasm exp', () => {
  it('is within 4 f64 ulps of Math.exp over the f32 range, on odd block lengths', () => {
    const count = EXP_BLOCK - 1;
    const x = Float32Array.from({ length: count + 5 }, (_, i) => (i / count - 0.5) * 200);
    for (const [scale, shift] of [
      [1, 0],
      [-1, 0],
      [1, 3.25],
    ]) {
      const e = expBlock(x, 5, count, scale, shift);
      for (let i = 0; i < count; i++) {
        const want = Math.exp(scale * x[5 + i] - shift);
        expect(Math.abs(e[i] - want)).toBeLessThanOrEqual(4 * Number.EPSILON * want);
      }
    }
  });

  it('keeps the edge cases of Math.exp that survive rounding to f32', () => {
    const x = Float32Array.from([
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      710,
      -800,
    ]);
    const e = Array.from(expBlock(x, 0, x.length, 1, 0).subarray(0, x.length), (v) => Math.fround(v));
    expect(e).toEqual([1, 1, Number.NaN, Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY, 0]);
  });
});
