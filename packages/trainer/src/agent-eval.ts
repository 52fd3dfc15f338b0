import {
  checkAnswer,
  Environment,
  type Episode,
  SYSTEM_PROMPT,
  type Task,
  type ToolCall,
} from '@agentlm/synth';
import { type ChatMessage, encodeChat, parseAssistant, type Tokenizer } from '@agentlm/tokenizer';
import type { GreedyDecoder } from './decode.js';

/** Per-domain tallies of an agent evaluation. */
export interface AgentDomainScore {
  tasks: number;
  /** Tasks whose verifier passed. */
  passed: number;
  /** Tasks that offer tools. */
  toolTasks: number;
  /** Tool tasks where the model emitted at least one well-formed `<tool_call>` (parseable JSON with a name and arguments). */
  toolTasksWithCall: number;
  /** Tool tasks where the model opened a `<tool_call>` at all (well-formed or not): the format's first sign. */
  toolTasksWithAttempt: number;
  /** `<tool_call>` blocks emitted, and those the environment accepted (known tool, arguments valid by its schema). */
  calls: number;
  validCalls: number;
}

export interface AgentEvalResult {
  byDomain: Record<string, AgentDomainScore>;
  /** The same tallies by task kind (`kv-lookup`, `shopping`, ...). */
  byKind: Record<string, AgentDomainScore>;
  /** Over all tasks: passed / tasks. */
  successRate: number;
  /** Over all emitted calls: validCalls / calls (0 when no call was emitted). */
  toolCallValidity: number;
  /** Over tool tasks: tasks with a well-formed call / tool tasks. */
  toolCallRate: number;
  /** Over tool tasks: tasks where a `<tool_call>` was opened at all / tool tasks. */
  toolCallAttemptRate: number;
  /** One transcript per task (rendered turns), for the report. */
  transcripts: { id: string; domain: string; passed: boolean; turns: string[] }[];
}

/** A task's tools as the tokenizer's spec type (synth's interface has no index signature). */
export function toolSpecs(task: Pick<Task, 'tools'>): Record<string, unknown>[] {
  return task.tools as unknown as Record<string, unknown>[];
}

/** Counts the tool calls of an assistant generation: well-formed ones (returned) and malformed ones. */
export function parseToolCalls(text: string): { calls: ToolCall[]; malformed: number } {
  const parsed = parseAssistant(text);
  const calls: ToolCall[] = [];
  let malformed = parsed.errors.length;
  parsed.toolCalls.forEach((c, k) => {
    try {
      const args = JSON.parse(c.function.arguments) as unknown;
      if (typeof args !== 'object' || args === null || Array.isArray(args))
        throw new TypeError('arguments is not an object');
      calls.push({ id: `call_${k}`, name: c.function.name, arguments: args as Record<string, unknown> });
    } catch {
      malformed++;
    }
  });
  return { calls, malformed };
}

export interface AgentEvalOptions {
  decoder: GreedyDecoder;
  /** Renders prompts (the same agent format the mixer trained on) and decodes generations. */
  tokenizer: Tokenizer;
  maxNewTokens?: number;
  maxTurns?: number;
  /** Ids longer than this are not prompted (the model's context). */
  contextLength: number;
  /** The system message of every episode (default synth's SYSTEM_PROMPT); match what the model trained on. */
  systemPrompt?: string;
}

/**
 * Runs each held-out task as an agent episode: the model answers in the chat format, its tool calls
 * go to the task's simulated environment, results come back as tool messages, and the final answer
 * goes to the task's verifier. Greedy decoding, so the result is a pure function of the weights.
 */
export async function evaluateAgent(tasks: Task[], opts: AgentEvalOptions): Promise<AgentEvalResult> {
  const maxTurns = opts.maxTurns ?? 3;
  const byDomain: Record<string, AgentDomainScore> = {};
  const byKind: Record<string, AgentDomainScore> = {};
  const emptyScore = (): AgentDomainScore => ({
    tasks: 0,
    passed: 0,
    toolTasks: 0,
    toolTasksWithCall: 0,
    toolTasksWithAttempt: 0,
    calls: 0,
    validCalls: 0,
  });
  const transcripts: AgentEvalResult['transcripts'] = [];
  const eos = opts.tokenizer.eosId;
  const endOfText = eos === null ? [] : [eos];
  for (const task of tasks) {
    byDomain[task.domain] ??= emptyScore();
    byKind[task.kind] ??= emptyScore();
    // this task's tallies, added to its domain's and its kind's at the end
    const score = emptyScore();
    score.tasks++;
    if (task.tools.length > 0) score.toolTasks++;
    const env = await Environment.create(task);
    const messages: ChatMessage[] = [
      // the developer's own prompt: trusted, so tags it names encode as the tokens they are
      { role: 'system', content: opts.systemPrompt ?? SYSTEM_PROMPT, trusted: true },
      { role: 'user', content: task.prompt },
    ];
    const turns: string[] = [];
    let final: string | null = null;
    let sawCall = false;
    let sawAttempt = false;
    for (let turn = 0; turn < maxTurns; turn++) {
      const prompt = encodeChat(opts.tokenizer, messages, {
        tools: toolSpecs(task),
        addGenerationPrompt: true,
      }).ids;
      if (prompt.length >= opts.contextLength) break;
      const out = await opts.decoder.continue(prompt, {
        maxNewTokens: opts.maxNewTokens ?? 160,
        stopIds: endOfText,
      });
      const text = opts.tokenizer.decode(out);
      turns.push(text);
      const { calls, malformed } = parseToolCalls(text);
      score.calls += calls.length + malformed;
      if (calls.length + malformed > 0) sawAttempt = true;
      if (calls.length === 0) {
        final = text;
        break;
      }
      sawCall = true;
      const ids = calls.map((_, k) => `call_${turn}_${k}`);
      messages.push({
        role: 'assistant',
        content: parseAssistant(text).content,
        tool_calls: calls.map((c, k) => ({
          id: ids[k] as string,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        })),
      });
      calls.forEach((c, k) => {
        const obs = env.execute({ ...c, id: ids[k] as string });
        if (obs.ok) score.validCalls++;
        messages.push({ role: 'tool', content: obs.content, tool_call_id: ids[k] });
        turns.push(`[tool ${c.name}] ${obs.content}`);
      });
    }
    if (sawCall && task.tools.length > 0) score.toolTasksWithCall++;
    if (sawAttempt && task.tools.length > 0) score.toolTasksWithAttempt++;
    const episode = {
      task,
      turns: [],
      final,
      stopReason: 'final',
      state: env.snapshot(),
      policy: 'model',
    } as unknown as Episode;
    const verdict = await checkAnswer(task, episode);
    if (verdict.passed) score.passed++;
    for (const total of [byDomain[task.domain], byKind[task.kind]] as AgentDomainScore[])
      for (const k of Object.keys(score) as (keyof AgentDomainScore)[]) total[k] += score[k];
    transcripts.push({ id: task.id, domain: task.domain, passed: verdict.passed, turns });
  }
  const all = Object.values(byDomain);
  const sum = (f: (s: AgentDomainScore) => number) => all.reduce((a, s) => a + f(s), 0);
  return {
    byDomain,
    byKind,
    successRate:
      sum((s) => s.passed) /
      Math.max(
        1,
        sum((s) => s.tasks),
      ),
    toolCallValidity: sum((s) => s.calls) === 0 ? 0 : sum((s) => s.validCalls) / sum((s) => s.calls),
    toolCallAttemptRate:
      sum((s) => s.toolTasks) === 0 ? 0 : sum((s) => s.toolTasksWithAttempt) / sum((s) => s.toolTasks),
    toolCallRate:
      sum((s) => s.toolTasks) === 0 ? 0 : sum((s) => s.toolTasksWithCall) / sum((s) => s.toolTasks),
    transcripts,
  };
}
