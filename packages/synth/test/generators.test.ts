import { describe, expect, it } from 'vitest';
import type { Episode, Task } from '../src/index.js';
import {
  checkAnswer,
  DIFFICULTIES,
  DOMAINS,
  Environment,
  episodeToMessages,
  generateTasks,
  runEpisode,
  Sandbox,
  ScriptedPolicy,
  verifyEpisode,
} from '../src/index.js';

const sandbox = await Sandbox.create();
const run = (task: Task, mistakeRate: number) =>
  runEpisode(task, new ScriptedPolicy({ mistakeRate, seed: 1 }), new Environment(task, sandbox));

describe('every generator is solved by its scripted expert and checked correct', () => {
  for (const domain of DOMAINS) {
    for (const difficulty of DIFFICULTIES) {
      it(`${domain} difficulty ${difficulty}, with and without injected mistakes`, async () => {
        for (const task of generateTasks(domain, { seed: 42, count: 6, difficulty })) {
          for (const mistakeRate of [0, 1]) {
            const episode = await run(task, mistakeRate);
            expect(episode.stopReason).toBe('final');
            const verdict = await verifyEpisode(episode, episodeToMessages(episode), { sandbox });
            expect(
              verdict,
              `${task.id} mistakes=${mistakeRate}: ${JSON.stringify(verdict.details)}`,
            ).toMatchObject({ passed: true });
          }
        }
      });
    }
  }

  it('injected mistakes add a reflection and recovery turn', async () => {
    const [task] = generateTasks('tools', { seed: 3, count: 1, difficulty: 1 });
    const clean = await run(task as Task, 0);
    const slipped = await run(task as Task, 1);
    expect(slipped.turns.length).toBe(clean.turns.length + 1);
    expect(slipped.turns[0]?.observations[0]?.ok).toBe(false);
    expect(slipped.turns[1]?.reasoning).toContain('Reflection: The call was rejected');
  });
});

describe('wrong answers are rejected', () => {
  const first = (domain: (typeof DOMAINS)[number], difficulty: 1 | 2 | 3 = 2) =>
    generateTasks(domain, { seed: 9, count: 1, difficulty })[0] as Task;

  it('math: a different number fails, the right one in another form passes', async () => {
    const task = first('math');
    if (task.expected.type !== 'numeric') throw new Error('math tasks are numeric');
    expect((await checkAnswer(task, `Answer: ${task.expected.value + 1}`)).passed).toBe(false);
    expect((await checkAnswer(task, 'I do not know')).passed).toBe(false);
    expect((await checkAnswer(task, `So it is\n**Answer:** ${task.expected.value}`)).passed).toBe(true);
  });

  it('code: the buggy function fails the hidden tests, an infinite loop is cut off', async () => {
    const task = first('code', 1);
    const family = task.world.family as string;
    const episode = await run(task, 0);
    expect((await checkAnswer(task, episode.final ?? '', { sandbox })).passed).toBe(true);
    const broken = (episode.final ?? '').replace(/return [^;]+;/, 'return null;');
    expect((await checkAnswer(task, broken, { sandbox })).passed).toBe(false);
    const looping = `\`\`\`javascript\nfunction ${family}() { while (true) {} }\n\`\`\``;
    const verdict = await checkAnswer(task, looping, { sandbox });
    expect(verdict.passed).toBe(false);
    expect(String(verdict.details.error)).toMatch(/Timeout/);
  });

  it('tools: a wrong key-value state fails even with a confident reply', async () => {
    const task = generateTasks('tools', { seed: 5, count: 40, difficulty: 1 }).find(
      (t) => t.kind === 'kv-save',
    ) as Task;
    const episode = await run(task, 0);
    expect((await checkAnswer(task, episode)).passed).toBe(true);
    const tampered: Episode = { ...episode, state: { kv: { other: 'x' } } };
    expect((await checkAnswer(task, tampered)).passed).toBe(false);
    expect((await checkAnswer(task, 'Saved it!')).passed).toBe(false);
  });

  it('tools: a key lookup passes only with the stored value, not the distractor', async () => {
    const task = generateTasks('tools', { seed: 5, count: 60, difficulty: 1 }).find(
      (t) => t.kind === 'kv-lookup',
    ) as Task;
    const episode = await run(task, 0);
    expect((await checkAnswer(task, episode)).passed).toBe(true);
    const kv = task.world.kv as Record<string, string>;
    const key = task.world.params as { key: string };
    const distractor = Object.entries(kv).find(([k]) => k !== key.key)?.[1] as string;
    const stored = kv[key.key] as string;
    expect(distractor).not.toBe(stored);
    expect((await checkAnswer(task, `Answer: ${stored}`)).passed).toBe(true);
    expect((await checkAnswer(task, `Answer: ${distractor}`)).passed).toBe(false);
  });

  it('research: the distractor entity fails', async () => {
    const task = first('research', 1);
    const docs = task.world.docs as { title: string; text: string }[];
    const wrongPlace = docs.map((d) => /moved to ([A-Z][a-z]+)/.exec(d.text)?.[1]).find(Boolean) as string;
    expect((await checkAnswer(task, `Answer: ${wrongPlace}`)).passed).toBe(false);
    expect(
      (await checkAnswer(task, `Answer: ${task.expected.type === 'exact' ? task.expected.value : ''}`))
        .passed,
    ).toBe(true);
  });
});

describe('determinism', () => {
  it('same seed, same tasks; another seed, other tasks', () => {
    for (const domain of DOMAINS) {
      const a = generateTasks(domain, { seed: 11, count: 5, difficulty: 2 });
      expect(generateTasks(domain, { seed: 11, count: 5, difficulty: 2 })).toEqual(a);
      expect(generateTasks(domain, { seed: 12, count: 5, difficulty: 2 }).map((t) => t.prompt)).not.toEqual(
        a.map((t) => t.prompt),
      );
      expect(generateTasks(domain, { seed: 11, count: 2, difficulty: 2, start: 3 })).toEqual(a.slice(3));
    }
  });

  it('no prompt contains its ground truth', () => {
    for (const domain of DOMAINS) {
      for (const task of generateTasks(domain, { seed: 1, count: 30, difficulty: 1 })) {
        for (const secret of task.world.secrets as string[]) {
          // Numbers count only as whole numbers ("8" is not leaked by "48").
          const pattern = /^-?[\d.]+$/.test(secret)
            ? new RegExp(`(^|[^\\d.])${secret.replace('.', '\\.')}(?![\\d])`)
            : new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
          expect(task.prompt).not.toMatch(pattern);
        }
      }
    }
  });
});
