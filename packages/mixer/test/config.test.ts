import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadCurriculum,
  MixerConfigError,
  MixerSourceError,
  MixStream,
  parseCurriculum,
  planMix,
  youtuCurriculum,
} from '../src/index.js';
import { encoder, tempDir } from './helpers.js';

const good = {
  sources: [{ name: 'web', domain: 'commonsense', type: 'generator', generator: 'commonsense' }],
  stages: [{ name: 's1', tokens: 1000, seqLen: 64, weights: { web: 1 } }],
};

describe('curriculum config', () => {
  it('fills defaults', () => {
    const c = parseCurriculum(good);
    expect(c.seed).toBe(0);
    expect(c.onError).toBe('skip');
    expect(c.stages[0].lr).toBe('stable');
    expect(c.cleaning.exactDedup).toBe(true);
  });

  it('names the path of every bad field', () => {
    const bad = {
      sources: [...good.sources, { name: 'web', type: 'generator', generator: 'stem' }],
      stages: [
        { name: 's1', tokens: -5, seqLen: 64, weights: { web: 1, nope: 2 } },
        { name: 's2', tokens: 10, seqLen: 64, weights: { web: 0 }, lr: 'cosine' },
      ],
    };
    let message = '';
    try {
      parseCurriculum(bad, 'mix.json');
    } catch (err) {
      expect(err).toBeInstanceOf(MixerConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^mix\.json: /);
    expect(message).toContain('stages[0].tokens');
    expect(message).toContain('stages[1].lr');
  });

  it('rejects duplicate source names', () => {
    expect(() => parseCurriculum({ ...good, sources: [...good.sources, ...good.sources] })).toThrow(
      /sources\[1\]\.name: duplicate source name "web"/,
    );
  });

  it('rejects unknown sources in weights and all-zero weights', () => {
    expect(() =>
      parseCurriculum({ ...good, stages: [{ name: 's', tokens: 9, seqLen: 4, weights: { other: 1 } }] }),
    ).toThrow(/stages\[0\]\.weights\.other: unknown source "other"/);
    expect(() =>
      parseCurriculum({ ...good, stages: [{ name: 's', tokens: 9, seqLen: 4, weights: { web: 0 } }] }),
    ).toThrow(/stages\[0\]\.weights: weights must not all be zero/);
  });

  it('rejects unknown keys (typos) with their path', () => {
    expect(() => parseCurriculum({ ...good, stages: [{ ...good.stages[0], seqlen: 5 }] })).toThrow(
      /stages\[0\]/,
    );
  });

  it('loads YAML and resolves paths against the config folder', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.txt'), 'hello');
    writeFileSync(
      join(dir, 'mix.yaml'),
      'seed: 3\nsources:\n  - {name: t, type: text, paths: [a.txt]}\nstages:\n  - {name: s, tokens: 100, seqLen: 8, weights: {t: 1}}\n',
    );
    const c = loadCurriculum(join(dir, 'mix.yaml'));
    expect(c.seed).toBe(3);
    expect(c.sources[0]).toMatchObject({ paths: [join(dir, 'a.txt')] });
  });

  it('reports unreadable and unparsable files', () => {
    const dir = tempDir();
    expect(() => loadCurriculum(join(dir, 'missing.json'))).toThrow(
      /missing\.json: cannot read curriculum \(ENOENT\)/,
    );
    writeFileSync(join(dir, 'broken.json'), '{"seed": ');
    expect(() => loadCurriculum(join(dir, 'broken.json'))).toThrow(/broken\.json: not valid JSON/);
  });

  it('fails early on a missing data file or an empty glob', () => {
    const dir = tempDir();
    const c = (paths: string[]) =>
      parseCurriculum({
        sources: [{ name: 't', type: 'text', paths }],
        stages: [{ name: 's', tokens: 8, seqLen: 4, weights: { t: 1 } }],
      });
    expect(() => new MixStream(c([join(dir, 'nope.txt')]), encoder)).toThrow(MixerSourceError);
    expect(() => new MixStream(c([join(dir, 'nope.txt')]), encoder)).toThrow(
      /nope\.txt: source "t": file not found/,
    );
    expect(() => new MixStream(c([join(dir, '*.md')]), encoder)).toThrow(/pattern matches no files/);
  });

  it('rejects an unknown generator', () => {
    const c = parseCurriculum({
      sources: [{ name: 'g', type: 'generator', generator: 'poetry' }],
      stages: [{ name: 's', tokens: 8, seqLen: 4, weights: { g: 1 } }],
    });
    expect(() => new MixStream(c, encoder)).toThrow(/unknown generator "poetry"/);
  });
});

describe('youtuCurriculum', () => {
  it('has the report shape and splits the agentic 60% over the given trajectory sources', () => {
    const c = youtuCurriculum({
      totalTokens: 1_000_000,
      seqLen: 256,
      agentSources: [
        { name: 'math', domain: 'agent', type: 'jsonl', format: 'chat', paths: ['math.jsonl'] },
        { name: 'code-traj', domain: 'agent', type: 'jsonl', format: 'chat', paths: ['code.jsonl'] },
      ],
    });
    expect(c.stages.map((s) => [s.name, s.seqLen, s.lr])).toEqual([
      ['commonsense', 256, 'warmup'],
      ['stem', 256, 'stable'],
      ['long-512', 512, 'decay'],
      ['long-1024', 1024, 'decay'],
      ['agentic', 1024, 'decay'],
    ]);
    const plan = planMix(c);
    const share = (stage: number, names: string[]) =>
      plan.stages[stage].sources.filter((s) => names.includes(s.name)).reduce((a, s) => a + s.startShare, 0);
    expect(share(0, ['commonsense'])).toBeCloseTo(0.75);
    expect(share(1, ['stem', 'code'])).toBeCloseTo(0.6);
    expect(share(4, ['math', 'code-traj'])).toBeCloseTo(0.6);
    expect(share(4, ['math'])).toBeCloseTo(0.3);
    expect(plan.totalTokens).toBeGreaterThanOrEqual(1_000_000);
    expect(plan.totalTokens).toBeLessThan(1_000_000 + 5 * 1024);
  });
});
