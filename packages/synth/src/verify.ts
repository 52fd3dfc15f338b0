import { PHASE_HEADERS } from './cot.js';
import { containsSecret } from './domains/domain.js';
import { type ChatFormat, youtuFormat } from './format.js';
import { Sandbox } from './sandbox.js';
import type { ChatMessage, Episode, Task, ToolSpec, Verdict } from './types.js';

/** The final answer of a reply: the value of its last `Answer:` line, else its last non-empty line. */
export function extractAnswer(text: string): string {
  const marked = [...text.matchAll(/^\s*\**answer\**\s*:\s*(.+)$/gim)].at(-1)?.[1];
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return (marked ?? lines.at(-1) ?? '').trim().replace(/[*`]/g, '');
}

/** The first number in `text` (decimal, with thousands commas, or a fraction `a/b`), or null. */
export function parseNumber(text: string): number | null {
  const m = /(-?\d[\d,]*(?:\.\d+)?)(?:\s*\/\s*(\d+(?:\.\d+)?))?/.exec(text.replace(/−/g, '-'));
  if (!m) return null;
  const value = Number((m[1] ?? '').replaceAll(',', ''));
  return m[2] ? value / Number(m[2]) : value;
}

const normalise = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** The code of a reply: its last fenced block, or the whole reply when there is none. */
export function extractCode(text: string): string {
  return [...text.matchAll(/```[a-zA-Z]*\n([\s\S]*?)```/g)].at(-1)?.[1] ?? text;
}

function unitTestHarness(functionName: string, tests: { args: unknown[]; expected: unknown }[]): string {
  return `;(() => {
  const tests = ${JSON.stringify(tests)};
  if (typeof ${functionName} !== 'function') return { defined: false, passed: 0 };
  const failures = [];
  tests.forEach((t, i) => {
    try {
      const got = JSON.stringify(${functionName}(...t.args));
      if (got !== JSON.stringify(t.expected)) failures.push({ test: i, got });
    } catch (e) { failures.push({ test: i, error: String(e) }); }
  });
  return { defined: true, passed: tests.length - failures.length, failures: failures.slice(0, 3) };
})()`;
}

export interface CheckOptions {
  /** Sandbox for `unit_tests` checks; one is started when absent. */
  sandbox?: Sandbox;
}

/**
 * Checks a task's answer. Give the final reply text, or the whole episode (needed by `tool_state`
 * tasks, whose success is the environment's final state). Never throws on a wrong or malformed answer.
 */
export async function checkAnswer(
  task: Task,
  answer: string | Episode,
  options: CheckOptions = {},
): Promise<Verdict> {
  const final = typeof answer === 'string' ? answer : answer.final;
  const expected = task.expected;
  if (expected.type === 'tool_state') {
    if (typeof answer === 'string')
      return {
        passed: false,
        checker: 'tool_state',
        details: { reason: 'tool_state tasks are checked on the episode, not a reply' },
      };
    const kv = (answer.state.kv ?? {}) as Record<string, string>;
    const wrong = Object.entries(expected.kv).filter(([k, v]) => kv[k] !== v);
    return {
      passed: wrong.length === 0 && final !== null,
      checker: 'tool_state',
      details: { expected: expected.kv, got: Object.fromEntries(wrong.map(([k]) => [k, kv[k] ?? null])) },
    };
  }
  if (final === null)
    return { passed: false, checker: expected.type, details: { reason: 'no final answer' } };
  if (expected.type === 'numeric') {
    const got = parseNumber(extractAnswer(final));
    const passed = got !== null && Math.abs(got - expected.value) <= expected.tolerance;
    return {
      passed,
      checker: 'numeric',
      details: { expected: expected.value, got, tolerance: expected.tolerance },
    };
  }
  if (expected.type === 'exact') {
    const got = extractAnswer(final);
    return {
      passed: normalise(got) === normalise(expected.value),
      checker: 'exact',
      details: { expected: expected.value, got },
    };
  }
  const sandbox = options.sandbox ?? (await Sandbox.create());
  const run = sandbox.run(`${extractCode(final)}\n${unitTestHarness(expected.functionName, expected.tests)}`);
  const outcome = (run.value ?? {}) as { defined?: boolean; passed?: number; failures?: unknown[] };
  const passed = run.ok && outcome.passed === expected.tests.length;
  return {
    passed,
    checker: 'unit_tests',
    details: {
      tests: expected.tests.length,
      passed: outcome.passed ?? 0,
      ...(run.ok ? { failures: outcome.failures ?? [] } : { error: run.error }),
    },
  };
}

/**
 * Format checks of a trajectory: the chat template renders it, every assistant generation parses
 * back to the same tool calls, the Agentic-CoT phases are all present, and the prompt does not leak
 * the ground truth. Returns the problems found (none means it passes).
 */
export function formatProblems(
  task: Task,
  messages: ChatMessage[],
  tools: ToolSpec[],
  format: ChatFormat = youtuFormat,
): string[] {
  const problems: string[] = [];
  let rendered: string;
  try {
    rendered = format.render(messages, tools);
  } catch (err) {
    return [`template does not render: ${(err as Error).message}`];
  }
  const assistants = messages.filter((m) => m.role === 'assistant');
  const generations = rendered
    .split(format.assistantStart)
    .slice(1)
    .map((g) => g.split(format.assistantEnd)[0] ?? '');
  if (generations.length !== assistants.length)
    problems.push(`rendered ${generations.length} assistant turns, expected ${assistants.length}`);
  assistants.forEach((m, i) => {
    try {
      const parsed = format.parseAssistant(generations[i] ?? '');
      const want = (m.tool_calls ?? []).map((c) => JSON.stringify([c.function.name, c.function.arguments]));
      const got = parsed.toolCalls.map((c) => JSON.stringify([c.name, c.arguments]));
      if (JSON.stringify(want) !== JSON.stringify(got))
        problems.push(`assistant turn ${i}: tool calls do not round-trip through the template`);
    } catch (err) {
      problems.push(`assistant turn ${i}: ${(err as Error).message}`);
    }
    if (!m.content.startsWith('<think>')) problems.push(`assistant turn ${i}: no <think> block`);
  });
  const thinking = assistants.map((m) => m.content).join('\n');
  const missing = PHASE_HEADERS.filter((h) => !thinking.includes(h));
  if (missing.length > 0) problems.push(`Agentic-CoT phases missing: ${missing.join(', ')}`);
  const prompt = messages
    .filter((m) => m.role === 'system' || m.role === 'user')
    .map((m) => m.content)
    .join('\n');
  for (const secret of (task.world.secrets as string[] | undefined) ?? []) {
    if (containsSecret(prompt, secret))
      problems.push(`the prompt leaks the ground truth ${JSON.stringify(secret.slice(0, 40))}`);
  }
  return problems;
}

/** The verdict stored with a trajectory: the answer check and the format checks together. */
export async function verifyEpisode(
  episode: Episode,
  messages: ChatMessage[],
  options: CheckOptions & { format?: ChatFormat } = {},
): Promise<Verdict> {
  const answer = await checkAnswer(episode.task, episode, options);
  const format = formatProblems(episode.task, messages, episode.task.tools, options.format);
  return {
    passed: answer.passed && format.length === 0 && episode.stopReason === 'final',
    checker: `${answer.checker}+format`,
    details: {
      ...answer.details,
      stop: episode.stopReason,
      ...(episode.error ? { error: episode.error } : {}),
      format: format.length === 0 ? 'ok' : format,
    },
  };
}
