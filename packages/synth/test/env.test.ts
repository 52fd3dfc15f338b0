import { describe, expect, it } from 'vitest';
import {
  type ChatModel,
  checkAnswer,
  dedupKey,
  Environment,
  evaluatePolicy,
  generateTasks,
  LocalModelPolicy,
  runEpisode,
  ScriptedPolicy,
  type Task,
} from '../src/index.js';

const task = generateTasks('tools', { seed: 1, count: 60, difficulty: 3 }).find(
  (t) => t.kind === 'top-product',
) as Task;

describe('environment', () => {
  it('validates calls against the JSON schema and reports errors as observations', () => {
    const env = new Environment(task);
    const bad = env.execute({ id: 'c1', name: 'query_table', arguments: { table: 'planets', limit: 0 } });
    expect(bad.ok).toBe(false);
    expect(JSON.parse(bad.content).error).toMatch(
      /invalid arguments for query_table: arguments\.table must be equal to one of the allowed values; arguments\.limit must be >= 1/,
    );
    const unknown = env.execute({ id: 'c2', name: 'rm_rf', arguments: {} });
    expect(JSON.parse(unknown.content).error).toMatch(/unknown tool "rm_rf"; available: query_table, kv_set/);
    const column = env.execute({
      id: 'c3',
      name: 'query_table',
      arguments: { table: 'products', order_by: 'colour' },
    });
    expect(JSON.parse(column.content).error).toMatch(/no column "colour"/);
    const good = env.execute({
      id: 'c4',
      name: 'query_table',
      arguments: {
        table: 'products',
        where: { category: 'home' },
        order_by: 'price',
        descending: true,
        limit: 1,
      },
    });
    expect(JSON.parse(good.content)).toEqual({
      rows: [{ name: 'sofa', category: 'home', price: 480, stock: 3 }],
    });
    expect(good.toolCallId).toBe('c4');
  });

  it('keeps tool state per environment', () => {
    const a = new Environment(task);
    a.execute({ id: '1', name: 'kv_set', arguments: { key: 'k', value: 'v' } });
    expect(a.snapshot()).toEqual({ kv: { k: 'v' } });
    expect(new Environment(task).snapshot()).toEqual({ kv: {} });
  });
});

describe('local-model policy', () => {
  /** A "model" that writes the scripted expert's turns as raw Youtu-format text. */
  function expertAsText(target: Task, corrupt = false): ChatModel {
    const session = new ScriptedPolicy({ mistakeRate: 0 }).start(target);
    return {
      async complete(messages) {
        const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant');
        const results = messages.slice(lastAssistant + 1).filter((m) => m.role === 'tool');
        const turn = await session.next(
          results.map((m) => ({ toolCallId: m.tool_call_id ?? '', name: '', content: m.content, ok: true })),
        );
        const calls = turn.toolCalls.map(
          (c) =>
            `<tool_call>${corrupt ? '{"name": "kv_set", "arguments": ' : JSON.stringify({ name: c.name, arguments: c.arguments })}</tool_call>`,
        );
        return `<think>${turn.reasoning}</think>\n\n${turn.content}${calls.join('')}`;
      },
    };
  }

  it('solves a task through an injected ChatModel and is checked like any policy', async () => {
    const episode = await runEpisode(task, new LocalModelPolicy(expertAsText(task), { modelName: 'tiny' }));
    expect(episode.stopReason).toBe('final');
    expect((await checkAnswer(task, episode)).passed).toBe(true);
  });

  it('ends the episode with an error when the model writes a malformed tool call', async () => {
    const episode = await runEpisode(task, new LocalModelPolicy(expertAsText(task, true)));
    expect(episode.stopReason).toBe('error');
    expect((await checkAnswer(task, episode)).passed).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  it('scores the scripted expert perfect and a model that calls a missing tool as invalid', async () => {
    const expert = await evaluatePolicy(new ScriptedPolicy({ mistakeRate: 0 }), {
      seed: 77,
      perCell: 2,
      domains: ['tools', 'research'],
    });
    expect(expert.overall).toMatchObject({
      tasks: 12,
      solved: 12,
      successRate: 1,
      invalidToolCalls: 0,
      toolCallValidity: 1,
    });
    expect(expert.domains.tools?.tasks).toBe(6);
    expect(expert.byDifficulty.d3?.tasks).toBe(4);

    const confused: ChatModel = {
      async complete(messages) {
        if (messages.at(-1)?.role === 'tool') return '<think>Summary: give up.</think>Answer: 0';
        return '<think>Analysis: guess.</think><tool_call>{"name": "teleport", "arguments": {}}</tool_call>';
      },
    };
    const bad = await evaluatePolicy(new LocalModelPolicy(confused), {
      seed: 77,
      perCell: 1,
      domains: ['tools'],
      difficulties: [1],
    });
    expect(bad.overall).toMatchObject({ tasks: 1, toolCalls: 1, invalidToolCalls: 1, toolCallValidity: 0 });
  });

  it('skips held-out tasks that appear in the training set', async () => {
    const train = generateTasks('tools', { seed: 77, count: 3, difficulty: 1 });
    const inner = new ScriptedPolicy();
    const started: Task[] = [];
    const recording = {
      name: 'recording',
      start: (t: Task) => {
        started.push(t);
        return inner.start(t);
      },
    };
    const report = await evaluatePolicy(recording, {
      seed: 77,
      perCell: 2,
      domains: ['tools'],
      difficulties: [1],
      exclude: new Set(train.map(dedupKey)),
    });
    expect(report.overall.tasks).toBe(2);
    expect(started.map((t) => t.id)).not.toContain(train[0]?.id);
    for (const t of started) expect(train.map(dedupKey)).not.toContain(dedupKey(t));
  });
});
