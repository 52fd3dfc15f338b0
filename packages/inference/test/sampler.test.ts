import { describe, expect, it } from 'vitest';
import { argmax, Sampler, SamplingOptionError } from '../src/index.js';

const logits = (values: number[]) => new Float32Array(values);

/** Empirical distribution of `n` samples (fresh sampler per draw with seeds 0..n-1). */
function histogram(opts: ConstructorParameters<typeof Sampler>[0], l: Float32Array, n = 4000): number[] {
  const counts = new Array(l.length).fill(0);
  const s = new Sampler({ ...opts, seed: 7 });
  for (let i = 0; i < n; i++) counts[s.sample(l)]++;
  return counts.map((c) => c / n);
}

describe('Sampler', () => {
  it('greedy picks the argmax, lowest id on ties', () => {
    const s = new Sampler({ temperature: 0 });
    expect(s.sample(logits([1, 3, 2, 3]))).toBe(1);
    expect(argmax(logits([-Infinity, -Infinity, -5]))).toBe(2);
    expect(s.needsFullLogits).toBe(false);
    expect(new Sampler({ temperature: 0, repetitionPenalty: 1.1 }).needsFullLogits).toBe(true);
  });

  it('the same seed gives the same tokens; different seeds differ', () => {
    const l = logits(Array.from({ length: 50 }, (_, i) => Math.sin(i)));
    const draw = (seed: number) => {
      const s = new Sampler({ seed, temperature: 1.3 });
      return Array.from({ length: 40 }, () => s.sample(l));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('samples from softmax(logits / T)', () => {
    const l = logits([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    const h = histogram({ temperature: 1 }, l, 20000);
    expect(h[0]).toBeCloseTo(0.5, 1);
    expect(h[1]).toBeCloseTo(0.3, 1);
    expect(h[2]).toBeCloseTo(0.2, 1);
    // T = 0.5 squares the probabilities: 25:9:4.
    const h2 = histogram({ temperature: 0.5 }, l, 20000);
    expect(h2[0]).toBeCloseTo(25 / 38, 1);
  });

  it('top-k keeps only the k most likely tokens', () => {
    const h = histogram({ topK: 2 }, logits([0, 3, 1, 2.9, -1]));
    expect(h[0] + h[2] + h[4]).toBe(0);
    expect(h[1]).toBeGreaterThan(0.4);
    expect(h[3]).toBeGreaterThan(0.4);
  });

  it('top-p keeps the smallest prefix reaching p', () => {
    // probabilities 0.5, 0.3, 0.2: p = 0.7 keeps {0, 1}, p = 0.5 keeps {0}.
    const l = logits([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    const h = histogram({ topP: 0.7 }, l);
    expect(h[2]).toBe(0);
    expect(h[0]).toBeCloseTo(0.5 / 0.8, 1);
    expect(histogram({ topP: 0.5 }, l)[0]).toBe(1);
  });

  it('min-p drops tokens below minP × top probability', () => {
    const l = logits([Math.log(0.5), Math.log(0.3), Math.log(0.2)]);
    const h = histogram({ minP: 0.5 }, l); // floor 0.25: keeps 0.5, 0.3
    expect(h[2]).toBe(0);
    expect(h[1]).toBeGreaterThan(0.2);
  });

  it('logit bias shifts and bans tokens', () => {
    const s = new Sampler({ temperature: 0, logitBias: { 0: -Infinity, 2: 10 } });
    expect(s.sample(logits([5, 1, 0]))).toBe(2);
    const banned = histogram({ logitBias: new Map([[0, -Infinity]]) }, logits([5, 1, 0]));
    expect(banned[0]).toBe(0);
  });

  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const s = new Sampler({ temperature: 0, repetitionPenalty: 2 });
    s.observePrompt([0]);
    expect(s.sample(logits([3, 2, 0]))).toBe(1); // 3/2 = 1.5 < 2
    const t = new Sampler({ temperature: 0, repetitionPenalty: 2 });
    t.observePrompt([0]);
    expect(t.sample(logits([-1, -1.5, -3]))).toBe(1); // -1·2 = -2 < -1.5
  });

  it('presence and frequency penalties apply to generated tokens only', () => {
    const s = new Sampler({ temperature: 0, presencePenalty: 0.5, frequencyPenalty: 1 });
    s.observePrompt([1]);
    expect(s.sample(logits([2, 2.2, 0]))).toBe(1);
    s.observe(1); // 2.2 - 0.5 - 1 = 0.7
    expect(s.sample(logits([2, 2.2, 0]))).toBe(0);
    s.observe(0);
    s.observe(0); // 2 - 0.5 - 2 = -0.5 ; 0.7 wins
    expect(s.sample(logits([2, 2.2, 0]))).toBe(1);
  });

  it('does not modify the logits it is given', () => {
    const l = logits([1, 2, 3]);
    const s = new Sampler({ repetitionPenalty: 1.5, logitBias: { 0: 1 }, seed: 1 });
    s.observePrompt([2]);
    s.sample(l);
    expect([...l]).toEqual([1, 2, 3]);
  });

  it('top-k on a large vocabulary matches a full sort', () => {
    const v = 5000;
    const l = logits(Array.from({ length: v }, (_, i) => Math.sin(i * 12.9898) * 10));
    const order = [...l.keys()].sort((a, b) => (l[b] as number) - (l[a] as number));
    const allowed = new Set(order.slice(0, 20));
    const s = new Sampler({ topK: 20, seed: 3 });
    for (let i = 0; i < 500; i++) expect(allowed.has(s.sample(l))).toBe(true);
  });

  it('rejects bad options naming the option and value', () => {
    expect(() => new Sampler({ temperature: -1 })).toThrow(SamplingOptionError);
    expect(() => new Sampler({ topP: 0 })).toThrow(/topP must be in \(0, 1\], got 0/);
    expect(() => new Sampler({ topK: 1.5 })).toThrow(/topK/);
    expect(() => new Sampler({ minP: 1 })).toThrow(/minP/);
    expect(() => new Sampler({ seed: -3 })).toThrow(/seed/);
    expect(() => new Sampler({ logitBias: { 9: 1 } }, 5)).toThrow(/logitBias/);
    expect(() => new Sampler({ temperature: Number.NaN })).toThrow(/temperature/);
  });

  it('fails clearly when every token is banned', () => {
    const s = new Sampler({ logitBias: { 0: -Infinity, 1: -Infinity } });
    expect(() => s.sample(logits([1, 2]))).toThrow(SamplingOptionError);
  });
});
