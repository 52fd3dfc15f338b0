import { episodeToMessages, generateTask, runEpisode, ScriptedPolicy } from '@agentlm/synth';
import { AGENT_SPECIAL_TOKENS, renderChat, trainTokenizer } from '@agentlm/tokenizer';
import { describe, expect, it } from 'vitest';
import { compactTask, DEMO_SYSTEM_PROMPT, heldOutTasks } from '../src/demo/data.js';
import { evaluateAgent, type GreedyDecoder } from '../src/index.js';

describe('demo prompts', () => {
  it('compact tool specs keep names and argument schemas and drop the prose', () => {
    const task = generateTask('tools', 1, 5, 0);
    const compact = compactTask(task);
    expect(compact.tools.map((t) => t.function.name)).toEqual(task.tools.map((t) => t.function.name));
    expect(JSON.stringify(compact.tools)).not.toContain('"description"');
    expect(JSON.stringify(task.tools)).toContain('"description"');
    expect(JSON.stringify(compact.tools).length).toBeLessThan(JSON.stringify(task.tools).length);
    const params = compact.tools[0]?.function.parameters as { required?: string[] };
    expect(params.required?.length).toBeGreaterThan(0);
  });

  it('a compact task is verified as before: the expert passes it, through the short system prompt', async () => {
    const task = compactTask(generateTask('tools', 1, 5, 2));
    const episode = await runEpisode(task, new ScriptedPolicy({ seed: 1, mistakeRate: 0 }));
    const texts = episodeToMessages(episode, DEMO_SYSTEM_PROMPT)
      .filter((m) => m.role === 'assistant')
      .map((m) =>
        renderChat([m])
          .replace(/^<\|Assistant\|>/, '')
          .replace(/<\|end_of_text\|>$/, ''),
      );
    const tokenizer = await trainTokenizer({
      corpus: { texts: texts },
      vocabSize: 300,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
    const prompts: number[][] = [];
    const decoder: GreedyDecoder = {
      async continue(prompt) {
        prompts.push([...prompt]);
        return tokenizer.encode(texts[prompts.length - 1] ?? '');
      },
    };
    const r = await evaluateAgent([task], {
      decoder,
      tokenizer,
      contextLength: 100_000,
      systemPrompt: DEMO_SYSTEM_PROMPT,
    });
    expect(r.successRate).toBe(1);
    const firstPrompt = tokenizer.decode(prompts[0] ?? []);
    expect(firstPrompt).toContain(DEMO_SYSTEM_PROMPT);
    expect(firstPrompt).not.toContain('explicit phases');
  });

  it('held-out tasks come compact and never repeat a training task', () => {
    const training = [0, 1, 2].map((i) => ({ task: generateTask('tools', 1, 9, i) }));
    const tasks = heldOutTasks(['tools'], 4, 9, training as never);
    expect(tasks).toHaveLength(4);
    for (const t of tasks) {
      expect(JSON.stringify(t.tools)).not.toContain('"description"');
      expect(training.some((x) => x.task.prompt === t.prompt)).toBe(false);
    }
    const lookups = heldOutTasks(['tools'], 5, 9, training as never, ['kv-lookup']);
    expect(lookups.map((t) => t.kind)).toEqual(Array(5).fill('kv-lookup'));
  });
});
