import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateTasks,
  OpenAITeacher,
  type OpenAITeacherOptions,
  readTrajectories,
  runEpisode,
  synthesize,
  TeacherError,
} from '../src/index.js';
import { type Fault, startFakeTeacher } from './fake-openai.js';

const tasks = [
  ...generateTasks('tools', { seed: 0, count: 40, difficulty: 1 }),
  ...generateTasks('tools', { seed: 0, count: 40, difficulty: 2 }),
];
const fast: Partial<OpenAITeacherOptions> = { backoffMs: 5, maxBackoffMs: 20, timeoutMs: 300, maxRetries: 3 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fake(fault: (n: number, prompt: string) => Fault) {
  const server = await startFakeTeacher(tasks, fault);
  cleanups.push(server.close);
  return server;
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'synth-teacher-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('OpenAI-compatible teacher against a fake server on 127.0.0.1', () => {
  it('runs a tool-using episode and accounts usage and cost', async () => {
    const server = await fake(() => 'ok');
    const teacher = new OpenAITeacher({
      baseURL: server.url,
      model: 'fake',
      pricing: { prompt: 1, completion: 2 },
      ...fast,
    });
    const task = tasks.find((t) => t.kind === 'weather-fahrenheit');
    if (!task) throw new Error('no weather-fahrenheit task');
    const episode = await runEpisode(task, teacher);
    expect(episode.stopReason).toBe('final');
    expect(episode.turns.map((t) => t.toolCalls.map((c) => c.name))).toEqual([
      ['get_weather'],
      ['convert_units'],
      [],
    ]);
    expect(episode.usage).toMatchObject({ requests: 3, promptTokens: 300, completionTokens: 60, retries: 0 });
    expect(episode.usage?.costUsd).toBeCloseTo((300 * 1 + 60 * 2) / 1e6, 12);
  });

  it('retries 429, 500, timeouts and malformed tool calls, then succeeds', async () => {
    const faults: Fault[] = ['429', '500', 'timeout', 'malformed-args', 'malformed-inline'];
    const server = await fake((n) => faults[n - 1] ?? 'ok');
    const teacher = new OpenAITeacher({ baseURL: server.url, model: 'fake', ...fast, maxRetries: 5 });
    const episode = await runEpisode(tasks[0] as (typeof tasks)[number], teacher);
    expect(episode.stopReason).toBe('final');
    expect(episode.usage?.retries).toBe(5);
    expect(server.requests.length).toBe(5 + episode.turns.length);
  });

  it('gives up with a TeacherError after its retries, and at once on a 400', async () => {
    const server = await fake(() => '500');
    const teacher = new OpenAITeacher({ baseURL: server.url, model: 'fake', ...fast });
    const task = tasks[0] as (typeof tasks)[number];
    await expect(
      teacher.complete(task, [], {
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        retries: 0,
        costUsd: 0,
      }),
    ).rejects.toThrow(TeacherError);
    expect(server.requests.length).toBe(4);
    const episode = await runEpisode(task, teacher);
    expect(episode).toMatchObject({ stopReason: 'error', final: null });
    expect(episode.error).toMatch(/HTTP 500 \(after 4 attempt/);

    const refusing = await fake(() => '400');
    const strict = new OpenAITeacher({ baseURL: refusing.url, model: 'fake', ...fast });
    await expect(runEpisode(task, strict)).resolves.toMatchObject({ stopReason: 'error' });
    expect(refusing.requests.length).toBe(1);
  });

  it('a dataset run survives a failing task, keeps finished work, and a rerun completes only what is missing', async () => {
    const dir = tempDir();
    const cursed = new Set<string>();
    // The 3rd distinct task always fails (500) during the first run.
    const seen: string[] = [];
    const server = await fake((_, prompt) => {
      if (!seen.includes(prompt)) seen.push(prompt);
      if (seen.indexOf(prompt) === 2) cursed.add(prompt);
      return cursed.has(prompt) ? '500' : 'ok';
    });
    const teacher = new OpenAITeacher({ baseURL: server.url, model: 'fake', ...fast, maxRetries: 1 });
    const first = await synthesize({
      out: dir,
      count: 4,
      domains: ['tools'],
      difficulties: [1, 2],
      seed: 0,
      policy: teacher,
      concurrency: 2,
    });
    expect(first.run.errors).toBe(1);
    expect(first.kept).toBe(4);
    expect(first.teacher?.usage.requests).toBeGreaterThan(0);
    const kept = readTrajectories(dir);
    expect(kept.every((t) => t.verdict.passed && t.meta.teacher?.model === 'fake')).toBe(true);

    // A larger rerun against a healthy server: finished ids are not asked again.
    const healthy = await fake(() => 'ok');
    const again = new OpenAITeacher({ baseURL: healthy.url, model: 'fake', ...fast });
    const second = await synthesize({
      out: dir,
      count: 6,
      domains: ['tools'],
      difficulties: [1, 2],
      seed: 0,
      policy: again,
      concurrency: 2,
    });
    expect(second.kept).toBe(6);
    const finishedPrompts = new Set(kept.map((t) => t.task.prompt));
    expect(healthy.requests.some((p) => finishedPrompts.has(p))).toBe(false);
    expect(new Set(readTrajectories(dir).map((t) => t.id)).size).toBe(6);
  });
});
