import { describe, expect, it } from 'vitest';
import { randn, uniform } from '../src/index.js';
import { philox4x32 } from '../src/rng.js';

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect([...out]).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const f = 0xffffffff;
    philox4x32(f, f, f, f, f, f, out);
    expect([...out]).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect([...out]).toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });
});

describe('randn / uniform', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const a = randn([100], { seed: 42 }).dataSync();
    const b = randn([100], { seed: 42 }).dataSync();
    const c = randn([100], { seed: 43 }).dataSync();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('has the requested moments and range', () => {
    const n = Array.from(randn([20000], { seed: 7, mean: 2, std: 3 }).dataSync());
    const mean = n.reduce((s, x) => s + x, 0) / n.length;
    const variance = n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length;
    expect(mean).toBeCloseTo(2, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(3, 1);
    const u = Array.from(uniform([20000], { seed: 7, low: -1, high: 1 }).dataSync());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, x) => s + x, 0) / u.length).toBeCloseTo(0, 1);
  });

  it('a prefix of a larger tensor is the smaller tensor (element i uses counter i)', () => {
    const small = uniform([5], { seed: 9 }).dataSync();
    const large = uniform([50], { seed: 9 }).dataSync();
    expect(large.subarray(0, 5)).toEqual(small);
  });

  it('casts to bf16 storage when asked', () => {
    const t = randn([4], { seed: 1, dtype: 'bf16' });
    expect(t.dtype).toBe('bf16');
    const f = randn([4], { seed: 1 }).dataSync();
    t.dataSync().forEach((x, i) => {
      expect(x).toBeCloseTo(f[i], 1);
    });
  });
});
