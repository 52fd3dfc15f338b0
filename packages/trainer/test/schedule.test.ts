import { describe, expect, it } from 'vitest';
import {
  type LrSchedule,
  lrAt,
  scheduleSteps,
  TrainConfigError,
  validateSchedule,
  wsdFromStageHints,
} from '../src/index.js';

describe('learning-rate schedules', () => {
  it('cosine warms up linearly, peaks, and decays to the floor', () => {
    const s = { kind: 'cosine', peakLr: 1, warmupSteps: 4, totalSteps: 14, minLrRatio: 0.1 } as const;
    expect([0, 1, 2, 3].map((i) => lrAt(s, i))).toEqual([0.25, 0.5, 0.75, 1]);
    expect(lrAt(s, 4)).toBeCloseTo(1);
    expect(lrAt(s, 9)).toBeCloseTo(0.55);
    expect(lrAt(s, 14)).toBeCloseTo(0.1);
    expect(lrAt(s, 100)).toBeCloseTo(0.1);
  });

  it('warmup-stable-decay from stage hints decays once over consecutive decay stages', () => {
    const s = wsdFromStageHints(
      [
        { steps: 10, lr: 'warmup' },
        { steps: 10, lr: 'stable' },
        { steps: 5, lr: 'decay' },
        { steps: 5, lr: 'decay' },
      ],
      { peakLr: 2, warmupSteps: 4, minLrRatio: 0 },
    );
    expect(scheduleSteps(s)).toBe(30);
    expect(lrAt(s, 0)).toBe(0.5);
    expect(lrAt(s, 3)).toBe(2);
    expect(lrAt(s, 15)).toBe(2);
    expect(lrAt(s, 19)).toBe(2);
    // one linear decay window of 10 steps over both decay stages
    expect(lrAt(s, 20)).toBeCloseTo(1.8);
    expect(lrAt(s, 24)).toBeCloseTo(1.0);
    expect(lrAt(s, 29)).toBeCloseTo(0);
    const values = Array.from({ length: 10 }, (_, i) => lrAt(s, 20 + i));
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1] as number);
  });

  it('sqrt and cosine decay shapes end at the floor', () => {
    for (const decayShape of ['sqrt', 'cosine'] as const) {
      const s: LrSchedule = {
        kind: 'wsd',
        phases: [{ steps: 8, peakLr: 1, warmupSteps: 0, decaySteps: 4, minLrRatio: 0.25, decayShape }],
      };
      expect(lrAt(s, 3)).toBe(1);
      expect(lrAt(s, 7)).toBeCloseTo(0.25);
    }
  });

  it('rejects a phase whose warmup and decay exceed its length', () => {
    expect(() =>
      validateSchedule({ kind: 'wsd', phases: [{ steps: 4, peakLr: 1, warmupSteps: 3, decaySteps: 3 }] }),
    ).toThrow(TrainConfigError);
    expect(() =>
      validateSchedule({ kind: 'wsd', phases: [{ steps: 4, peakLr: 1, warmupSteps: 3, decaySteps: 3 }] }),
    ).toThrow(/phases\[0\]/);
  });
});
