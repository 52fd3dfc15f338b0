import { describe, expect, it } from 'vitest';
import { greedyAgreement, nextTokenLoss, unigramLoss } from '../src/accuracy.js';

describe('accuracy measures', () => {
  it('sums next-token cross-entropy from logits', () => {
    // three positions over a 3-id vocabulary: row 0 predicts tokens[1] = 2, row 1 tokens[2] = 0, row 2 nothing
    const logits = [1, 2, 3, 0, 0, Math.log(2), 5, 5, 5];
    const { total, count } = nextTokenLoss(logits, 3, [1, 2, 0]);
    const expected = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))) - Math.log(1 / 4);
    expect(total).toBeCloseTo(expected, 12);
    expect(count).toBe(2);
    // large logits do not overflow
    expect(nextTokenLoss([1000, 1000, 0, 0], 2, [0, 1]).total).toBeCloseTo(Math.log(2), 12);
    expect(() => nextTokenLoss([1, 2], 3, [0])).toThrow(/2 logits for 1 tokens/);
  });

  it('scores held-out targets under add-one smoothed training frequencies', () => {
    // vocabulary 3, training counts [2, 0, 1] + 1 each = [3, 1, 2] of 6; held-out targets 0 and 2
    const loss = unigramLoss([[0, 0, 2]], [[1, 0, 2]], 3);
    expect(loss).toBeCloseTo(-(Math.log(3 / 6) + Math.log(2 / 6)) / 2, 12);
  });

  it('counts agreement up to the first divergence and position by position', () => {
    const reference = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 9, 9, 9],
    ];
    const candidate = [
      [1, 2, 3, 4], // identical
      [5, 0, 7, 8], // diverges at 1, agrees again after
      [9, 9], // stopped early: the missing two disagree
    ];
    const a = greedyAgreement(reference, candidate);
    expect(a.prefix).toBeCloseTo((4 + 1 + 2) / 12, 12);
    expect(a.positional).toBeCloseTo((4 + 3 + 2) / 12, 12);
    expect(a.identical).toBe(1);
    expect(a.continuations).toBe(3);
  });

  it('refuses continuation lists of different lengths', () => {
    expect(() => greedyAgreement([[1]], [])).toThrow(/1 reference continuations but 0 candidates/);
  });
});
