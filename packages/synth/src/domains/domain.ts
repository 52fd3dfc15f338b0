import type { Rng } from '../rng.js';
import type { Sandbox } from '../sandbox.js';
import type { Difficulty, Domain, Expected, Observation, Phases, Task, ToolSpec } from '../types.js';

/** One step of a scripted expert: the thinking phases of this turn and the tool calls it makes. */
export interface ExpertStep {
  phases: Phases;
  calls: { name: string; arguments: Record<string, unknown> }[];
}

/** The expert's last turn: its thinking and the visible final answer. */
export interface ExpertFinal {
  phases: Phases;
  answer: string;
}

/** A scripted expert is a generator: it yields tool-using steps, receives their observations, returns the final turn. */
export type ExpertScript = Generator<ExpertStep, ExpertFinal, Observation[]>;

export interface ExpertOptions {
  /** Make one realistic mistake, notice it in a reflection and recover. */
  mistake: boolean;
  rng: Rng;
}

/** The environment state tool handlers read and write. */
export interface EnvState {
  task: Task;
  kv: Record<string, string>;
  sandbox?: Sandbox;
}

/** A simulated API: validated arguments in, JSON-compatible result out; throws `ToolFailure` for a user error. */
export type ToolHandler = (args: Record<string, unknown>, state: EnvState) => unknown;

/** An error the tool reports back to the policy (bad city, unknown document, …), not a crash. */
export class ToolFailure extends Error {}

/** What the generator of a domain produces; the registry adds id, domain, seed and difficulty. */
export interface GeneratedTask {
  kind: string;
  prompt: string;
  tools: ToolSpec[];
  expected: Expected;
  world: Record<string, unknown>;
  /** Strings that must not appear in the prompt (the ground truth), checked by the leak check. */
  secrets: string[];
}

export interface DomainModule {
  domain: Domain;
  /** Every task kind `generate` can produce (at some difficulty). */
  kinds: readonly string[];
  generate(rng: Rng, difficulty: Difficulty): GeneratedTask;
  expert(task: Task, options: ExpertOptions): ExpertScript;
}

/** The one place the final-answer convention is written: the last line `Answer: <value>`. */
export function answerLine(value: string | number): string {
  return `Answer: ${value}`;
}

/** Formats a number for prompts and answers: integers as is, others with up to 4 decimals. */
export function num(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
}

/** Whether `text` gives away `secret`: numbers match only as whole numbers, other text case-insensitively. */
export function containsSecret(text: string, secret: string): boolean {
  if (/^-?\d+(\.\d+)?$/.test(secret)) {
    return new RegExp(`(^|[^\\d.])${secret.replace('.', '\\.')}(?![\\d])`).test(text);
  }
  return text.toLowerCase().includes(secret.toLowerCase());
}

const SYNONYMS: Record<string, string> = {
  city: 'location',
  expression: 'expr',
  date: 'day',
  table: 'table_name',
  key: 'name',
  query: 'q',
  doc_id: 'id',
  code: 'source',
};

/**
 * Wraps an expert so its first tool call uses a wrong argument name (a typical agent slip): the
 * environment rejects it by schema, the expert reflects on the error and repeats the call correctly.
 */
export function* withRecoveredBadCall(script: ExpertScript): ExpertScript {
  const first = script.next([]);
  if (first.done || first.value.calls.length === 0) return first.value as ExpertFinal;
  const step = first.value;
  const [call, ...rest] = step.calls;
  const wrongArgs = Object.fromEntries(
    Object.entries(call?.arguments ?? {}).map(([k, v], i) => [
      i === 0 ? (SYNONYMS[k] ?? `${k}_value`) : k,
      v,
    ]),
  );
  const rejected = yield {
    phases: step.phases,
    calls: [{ name: call?.name ?? '', arguments: wrongArgs }, ...rest],
  };
  const error = rejected[0]?.content ?? '';
  const retried = yield {
    phases: {
      reflection: `The call was rejected: ${error} I used the wrong argument name; the schema defines it, so I repeat the call as specified.`,
    },
    calls: step.calls,
  };
  let next = script.next(retried);
  while (!next.done) next = script.next(yield next.value);
  return next.value;
}
