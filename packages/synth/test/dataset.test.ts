import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  episodeToMessages,
  formatProblems,
  generateTasks,
  type Policy,
  readTrajectories,
  runEpisode,
  ScriptedPolicy,
  SynthOptionError,
  synthesize,
} from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'synth-dataset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = (name: string) => join(root, name);

/** The scripted policy, counting the episodes it starts. */
function counting(): Policy & { started: string[] } {
  const inner = new ScriptedPolicy({ seed: 3 });
  const started: string[] = [];
  return {
    name: 'scripted',
    started,
    start: (task) => {
      started.push(task.id);
      return inner.start(task);
    },
  };
}

describe('synthesize', () => {
  it('balances domains and difficulties, keeps only verified records in the SPEC §4 shape, and reports', async () => {
    const report = await synthesize({ out: dir('a'), count: 24, seed: 5 });
    const records = readTrajectories(dir('a'));
    expect(records).toHaveLength(24);
    expect(report).toMatchObject({ wanted: 24, kept: 24, policy: 'scripted', teacher: null });
    for (const domain of ['math', 'code', 'tools', 'research'] as const) {
      expect(report.domains[domain]).toMatchObject({ kept: 6, byDifficulty: { d1: 2, d2: 2, d3: 2 } });
      expect(report.domains[domain]?.tokens.mean).toBeGreaterThan(50);
    }
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(['domain', 'id', 'messages', 'meta', 'task', 'tools', 'verdict']);
      expect(r.verdict.passed).toBe(true);
      expect(r.messages[0]?.role).toBe('system');
      expect(r.messages.at(-1)?.role).toBe('assistant');
      expect(r.meta.generator).toMatch(/^(math|code|tools|research)\//);
    }
    expect(JSON.parse(readFileSync(join(dir('a'), 'report.json'), 'utf8')).kept).toBe(24);
  });

  it('same seed, same dataset (byte for byte); another seed, another', async () => {
    await synthesize({ out: dir('b'), count: 24, seed: 5 });
    await synthesize({ out: dir('c'), count: 24, seed: 6 });
    const shard = (d: string) => readFileSync(join(dir(d), 'trajectories-00000.jsonl'), 'utf8');
    expect(shard('b')).toBe(shard('a'));
    expect(shard('c')).not.toBe(shard('a'));
  });

  it('resumes: a rerun skips finished ids and only fills what is missing', async () => {
    const first = counting();
    await synthesize({
      out: dir('d'),
      count: 8,
      seed: 5,
      domains: ['math', 'tools'],
      policy: first,
      shardSize: 3,
    });
    expect(readdirSync(dir('d')).filter((f) => f.startsWith('trajectories-')).length).toBe(3);
    const done = new Set(readTrajectories(dir('d')).map((t) => t.id));
    const second = counting();
    const report = await synthesize({
      out: dir('d'),
      count: 16,
      seed: 5,
      domains: ['math', 'tools'],
      policy: second,
      shardSize: 3,
    });
    expect(report.kept).toBe(16);
    expect(second.started.some((id) => done.has(id))).toBe(false);
    expect(second.started.length).toBe(8);
    const third = counting();
    await synthesize({ out: dir('d'), count: 16, seed: 5, domains: ['math', 'tools'], policy: third });
    expect(third.started).toEqual([]);
  });

  it('refuses to resume a folder that holds another run (kinds, domains, seed)', async () => {
    const out = dir('other-run');
    const run = {
      out,
      count: 4,
      seed: 5,
      domains: ['tools' as const],
      difficulties: [1 as const],
      kinds: ['kv-save'],
    };
    expect((await synthesize(run)).kept).toBe(4);
    await expect(synthesize({ ...run, kinds: ['kv-lookup'] })).rejects.toThrow(
      /holds tools-d1-s5-\d+, of kind kv-save\); synthesize into another folder/,
    );
    await expect(synthesize({ ...run, seed: 6 })).rejects.toThrow(/of a seed other than 6/);
    await expect(synthesize({ ...run, domains: ['math'], kinds: undefined })).rejects.toThrow(
      SynthOptionError,
    );
    expect((await synthesize({ ...run, count: 6 })).kept).toBe(6); // the same run resumes
  });

  it('writes msgpack shards that read back to the same records as JSONL', async () => {
    await synthesize({ out: dir('e'), count: 8, seed: 5, domains: ['research'], format: 'msgpack' });
    await synthesize({ out: dir('f'), count: 8, seed: 5, domains: ['research'] });
    expect(readdirSync(dir('e')).some((f) => f.endsWith('.msgpack'))).toBe(true);
    expect(readTrajectories(dir('e'))).toEqual(readTrajectories(dir('f')));
  });

  it('rejects bad options with a typed error', async () => {
    await expect(synthesize({ out: dir('g'), count: 0 })).rejects.toThrow(SynthOptionError);
    await expect(synthesize({ out: dir('g'), count: 4, domains: ['poetry' as 'math'] })).rejects.toThrow(
      /domains: expected one of math, code, tools, research, got "poetry"/,
    );
    await expect(
      synthesize({ out: dir('g'), count: 4, domains: ['tools'], kinds: ['kv-sav'] }),
    ).rejects.toThrow(/kinds: expected a task kind of tools: .*kv-save.*, got "kv-sav"/);
  });

  it('keeps to the requested task kinds', async () => {
    await synthesize({
      out: dir('kinds'),
      count: 6,
      domains: ['tools'],
      difficulties: [1],
      kinds: ['kv-lookup', 'kv-save'],
    });
    const kinds = readTrajectories(dir('kinds'), 'trajectories').map((t) => t.task.kind);
    expect(kinds).toHaveLength(6);
    expect(new Set(kinds)).toEqual(new Set(['kv-lookup', 'kv-save']));
  });
});

describe('format checks', () => {
  it('pass a scripted trajectory and catch leaks, broken tool calls and missing phases', async () => {
    const [task] = generateTasks('research', { seed: 2, count: 1, difficulty: 2 });
    if (!task) throw new Error('no task');
    const episode = await runEpisode(task, new ScriptedPolicy({ mistakeRate: 0 }));
    const messages = episodeToMessages(episode);
    expect(formatProblems(task, messages, task.tools)).toEqual([]);

    const answer = task.expected.type === 'exact' ? task.expected.value : '';
    const leaky = messages.map((m, i) => (i === 1 ? { ...m, content: `${m.content} (hint: ${answer})` } : m));
    expect(formatProblems(task, leaky, task.tools).join()).toMatch(/leaks the ground truth/);

    const noPhases = messages.map((m) =>
      m.role === 'assistant' ? { ...m, content: m.content.replace('Analysis:', 'Notes:') } : m,
    );
    expect(formatProblems(task, noPhases, task.tools).join()).toMatch(/phases missing: Analysis:/);

    const broken = messages.map((m) =>
      m.tool_calls ? { ...m, content: `${m.content}<tool_call>{"name": 1}</tool_call>` } : m,
    );
    expect(formatProblems(task, broken, task.tools).length).toBeGreaterThan(0);
  });
});
