import { episodeToMessages, generateTask, runEpisode, ScriptedPolicy } from '@agentlm/synth';
import { AGENT_SPECIAL_TOKENS, renderChat, type Tokenizer, trainTokenizer } from '@agentlm/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateAgent, type GreedyDecoder, heldOutLoss, parseToolCalls } from '../src/index.js';
import { toyModel } from './fixtures/toy.js';

let tokenizer: Tokenizer;

beforeAll(async () => {
  tokenizer = await trainTokenizer({
    corpus: { texts: ['get_weather {"city": "Denver"} Answer: 9 calculator expression result'] },
    vocabSize: 300,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
});

/** A decoder that plays back fixed assistant generations, one per call, whatever the prompt. */
function replay(texts: string[]): GreedyDecoder & { prompts: number[][] } {
  const prompts: number[][] = [];
  return {
    prompts,
    async continue(prompt) {
      prompts.push([...prompt]);
      return tokenizer.encode(texts[prompts.length - 1] ?? '');
    },
  };
}

describe('parseToolCalls', () => {
  it('counts well-formed and malformed calls', () => {
    expect(
      parseToolCalls('<think>x</think><tool_call>{"name": "f", "arguments": {"a": 1}}</tool_call>'),
    ).toEqual({
      calls: [{ id: 'call_0', name: 'f', arguments: { a: 1 } }],
      malformed: 0,
    });
    expect(parseToolCalls('<tool_call>{"name": "f", "arguments": {</tool_call>').malformed).toBe(1);
    expect(parseToolCalls('<tool_call>{"name": "f", "arguments": [1]}</tool_call>')).toEqual({
      calls: [],
      malformed: 1,
    });
    expect(parseToolCalls('Answer: 3')).toEqual({ calls: [], malformed: 0 });
  });
});

describe('evaluateAgent', () => {
  it('runs tool calls in the task environment and checks the final answer', async () => {
    const task = generateTask('tools', 1, 5, 0);
    const episode = await runEpisode(task, new ScriptedPolicy({ seed: 1, mistakeRate: 0 }));
    expect(episode.stopReason).toBe('final');
    // the expert's own generations, replayed through the evaluation, must pass
    const assistant = episodeToMessages(episode).filter((m) => m.role === 'assistant');
    const texts = assistant.map((m) =>
      renderChat([m])
        .replace(/^<\|Assistant\|>/, '')
        .replace(/<\|end_of_text\|>$/, ''),
    );
    const decoder = replay(texts);
    const r = await evaluateAgent([task], { decoder, tokenizer, contextLength: 100_000 });
    expect(r.byDomain.tools).toMatchObject({ tasks: 1, passed: 1, toolTasks: 1, toolTasksWithCall: 1 });
    expect(r.byDomain.tools?.validCalls).toBe(r.byDomain.tools?.calls);
    expect(r.byKind[task.kind]).toEqual(r.byDomain.tools);
    expect(r.successRate).toBe(1);
    expect(r.transcripts[0]?.turns.some((t) => t.startsWith('[tool '))).toBe(true);
    // the second prompt carries the tool's observation back to the model
    expect(tokenizer.decode(decoder.prompts[1] ?? [])).toContain('<tool_response>');
  });

  it('scores a model that never calls a tool and answers wrongly as zero', async () => {
    const task = generateTask('tools', 1, 5, 1);
    const r = await evaluateAgent([task], {
      decoder: replay(['Answer: nonsense']),
      tokenizer,
      contextLength: 100_000,
    });
    expect(r.byDomain.tools).toMatchObject({
      tasks: 1,
      passed: 0,
      toolTasksWithCall: 0,
      toolTasksWithAttempt: 0,
      calls: 0,
    });
    expect(r.toolCallRate).toBe(0);
  });

  it('tells an opened but malformed call from a well-formed one', async () => {
    const task = generateTask('tools', 1, 5, 3);
    const r = await evaluateAgent([task], {
      decoder: replay(['<think>x</think><tool_call>{"name": "arguments": "arguments"']),
      tokenizer,
      contextLength: 100_000,
    });
    expect(r.byDomain.tools).toMatchObject({
      toolTasksWithAttempt: 1,
      toolTasksWithCall: 0,
      calls: 1,
      validCalls: 0,
    });
    expect(r.toolCallAttemptRate).toBe(1);
    expect(r.toolCallRate).toBe(0);
  });

  it('counts a call to an unknown tool as emitted but invalid', async () => {
    const task = generateTask('tools', 1, 5, 2);
    const r = await evaluateAgent([task], {
      decoder: replay(['<tool_call>{"name": "launch_rockets", "arguments": {}}</tool_call>', 'Answer: 0']),
      tokenizer,
      contextLength: 100_000,
    });
    expect(r.byDomain.tools).toMatchObject({ calls: 1, validCalls: 0, toolTasksWithCall: 1 });
    expect(r.toolCallValidity).toBe(0);
  });
});

describe('heldOutLoss', () => {
  it('does not depend on how rows are batched, and honours the loss mask', async () => {
    const model = toyModel(4);
    const rows = Array.from({ length: 3 }, (_, r) => ({
      tokens: Array.from({ length: 10 }, (_, i) => (r + 2 * i) % 16),
    }));
    const a = await heldOutLoss(model, [{ domain: 'x', rows }], 1);
    const b = await heldOutLoss(model, [{ domain: 'x', rows }], 3);
    expect(a.x?.tokens).toBe(27);
    expect(a.x?.loss).toBeCloseTo(b.x?.loss as number, 5);
    expect(a.x?.perplexity).toBeCloseTo(Math.exp(a.x?.loss as number), 5);
    const masked = await heldOutLoss(model, [
      { domain: 'y', rows: rows.map((r) => ({ ...r, lossMask: r.tokens.map((_, i) => (i >= 5 ? 1 : 0)) })) },
    ]);
    expect(masked.y?.tokens).toBe(15);
  });
});
