import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatProgress,
  MetricsWriter,
  microBatchWeights,
  NonFiniteError,
  NonFiniteGuard,
  ProgressBar,
  planAccumulation,
  readMetrics,
  svgLinePlot,
  TrainConfigError,
  TrainerRng,
} from '../src/index.js';

describe('gradient accumulation bookkeeping', () => {
  it('rounds a token batch up to whole micro-batches', () => {
    expect(planAccumulation(4096, 4, 128)).toEqual({
      microBatches: 8,
      microBatchSequences: 4,
      seqLen: 128,
      tokensPerStep: 4096,
    });
    expect(planAccumulation(1000, 2, 128).microBatches).toBe(4);
    expect(planAccumulation(10, 4, 128).microBatches).toBe(1);
    expect(() => planAccumulation(0, 4, 128)).toThrow(TrainConfigError);
  });

  it('weights micro-batch means by their counted tokens', () => {
    const w = microBatchWeights([30, 10]);
    expect(w).toEqual([0.75, 0.25]);
    // mean of [1,1,...(30)] and [3,...(10)] as one batch = (30 + 30) / 40
    expect(w[0] * 1 + w[1] * 3).toBeCloseTo(60 / 40);
    expect(microBatchWeights([0, 0])).toEqual([0, 0]);
  });
});

describe('NonFiniteGuard', () => {
  it('stop policy throws with the step and a clear message', () => {
    const g = new NonFiniteGuard('stop');
    expect(g.check(1, 2.5, 1)).toBe(true);
    expect(() => g.check(2, Number.NaN, 1)).toThrow(NonFiniteError);
    expect(() => g.check(3, 1, Number.POSITIVE_INFINITY)).toThrow(
      /step 3: gradient norm is Infinity.*last good checkpoint is intact/,
    );
  });

  it('skip policy skips, then stops after too many consecutive bad steps', () => {
    const g = new NonFiniteGuard('skip', 2);
    expect(g.check(1, Number.NaN, 0)).toBe(false);
    expect(g.check(2, 1, 1)).toBe(true);
    expect(g.check(3, Number.NaN, 0)).toBe(false);
    expect(g.check(4, Number.NaN, 0)).toBe(false);
    expect(() => g.check(5, Number.NaN, 0)).toThrow(/3 steps in a row/);
    expect(g.skipped).toBe(3);
  });
});

describe('metrics, plots and progress', () => {
  it('writes JSONL, truncates past the resumed step, and tolerates a torn line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agentlm-metrics-')), 'metrics.jsonl');
    const w = new MetricsWriter(file);
    for (let step = 1; step <= 4; step++) w.write({ kind: 'train', step, loss: 5 - step });
    w.close();
    const r = new MetricsWriter(file, { resumeFromStep: 2 });
    r.write({ kind: 'train', step: 3, loss: 9 });
    r.close();
    expect(readMetrics(file).map((m) => [m.step, m.loss])).toEqual([
      [1, 4],
      [2, 3],
      [3, 9],
    ]);
    writeFileSync(file, '{"kind":"train","step":1}\n{"kind":"tr');
    expect(readMetrics(file)).toHaveLength(1);
  });

  it('draws an SVG with one path per series and escaped labels', () => {
    const svg = svgLinePlot(
      [
        {
          name: 'train <loss>',
          points: [
            [0, 5],
            [1, 3],
            [2, 2],
          ],
        },
        { name: 'eval', points: [[2, 2.5]], dashed: true },
      ],
      { title: 'Loss & LR', xLabel: 'step', markers: [{ x: 1, label: 'stage 2' }] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('train &lt;loss&gt;');
    expect(svg).toContain('Loss &amp; LR');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('stage 2');
  });

  it('formats a progress line with tokens/s and ETA, and stays quiet off a TTY', () => {
    const line = formatProgress({ step: 5, totalSteps: 10, tokens: 1000, loss: 2.5, lr: 1e-3 }, 10, 10);
    expect(line).toBe('[#####.....] 5/10 loss 2.5000 lr 1.00e-3 100 tok/s ETA 00:10');
    const out: string[] = [];
    const bar = new ProgressBar({ isTTY: false, write: (s: string) => out.push(s) > 0 });
    bar.update({ step: 1, totalSteps: 2, tokens: 10, loss: 1, lr: 1 });
    bar.done();
    expect(out).toEqual([]);
  });
});

describe('TrainerRng', () => {
  it('resumes exactly from its saved state', () => {
    const a = new TrainerRng(42);
    a.next();
    const saved = a.state;
    const rest = [a.next(), a.next()];
    const b = new TrainerRng(saved);
    expect([b.next(), b.next()]).toEqual(rest);
    expect(new TrainerRng(1).permutation(5).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
