/** The four task families of SPEC §4. */
export type Domain = 'math' | 'code' | 'tools' | 'research';
export const DOMAINS: readonly Domain[] = ['math', 'code', 'tools', 'research'];

/** Difficulty 1 (one step / one tool call) to 3 (several chained steps). */
export type Difficulty = 1 | 2 | 3;
export const DIFFICULTIES: readonly Difficulty[] = [1, 2, 3];

/** A JSON-schema function spec, in the OpenAI / Hugging Face `tools` shape. */
export interface ToolSpec {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** A tool call as the policy emits it (arguments already parsed). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** A chat message as stored in a trajectory (SPEC §4). Assistant content holds `<think>…</think>` first. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: {
    id: string;
    type: 'function';
    function: { name: string; arguments: Record<string, unknown> };
  }[];
  tool_call_id?: string;
}

/**
 * How a task's answer is checked. `numeric` accepts decimals and fractions within `tolerance`;
 * `exact` compares normalised text; `unit_tests` runs hidden tests on the submitted function in the
 * sandbox; `tool_state` compares the environment's final key-value store (and the answer, if given).
 */
export type Expected =
  | { type: 'numeric'; value: number; tolerance: number }
  | { type: 'exact'; value: string }
  | { type: 'unit_tests'; functionName: string; tests: { args: unknown[]; expected: unknown }[] }
  | { type: 'tool_state'; kv: Record<string, string> };

/**
 * One generated task: plain JSON, so a stored trajectory carries everything needed to re-check it.
 * `expected` and `world` are hidden from the policy; only `prompt` and `tools` are shown.
 */
export interface Task {
  id: string;
  domain: Domain;
  /** The generator template inside the domain, e.g. `linear-equation`, `weather-compare`. */
  kind: string;
  difficulty: Difficulty;
  seed: number;
  prompt: string;
  tools: ToolSpec[];
  expected: Expected;
  /** Hidden environment data (documents, initial store, buggy code, …) the environment and expert read. */
  world: Record<string, unknown>;
}

/** The five Agentic-CoT phases; a turn's thinking carries the ones that apply to it. */
export interface Phases {
  analysis?: string;
  plan?: string[];
  action?: string;
  reflection?: string;
  summary?: string;
}

/** What a policy produces at each step: thinking, visible text, and tool calls (none means final). */
export interface AgentTurn {
  reasoning: string;
  content: string;
  toolCalls: ToolCall[];
}

/** The environment's answer to one tool call, returned to the policy as a tool message. */
export interface Observation {
  toolCallId: string;
  name: string;
  content: string;
  ok: boolean;
  /** Set when the call itself was invalid: a tool the task does not offer, or arguments failing the schema. */
  invalid?: 'unknown_tool' | 'invalid_arguments';
}

export interface EpisodeTurn extends AgentTurn {
  observations: Observation[];
}

/** Token usage and estimated cost of the teacher calls behind an episode or a run. */
export interface Usage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  retries: number;
  costUsd: number;
}

/** One run of a policy on a task. `final` is the last turn's visible content when the policy finished. */
export interface Episode {
  task: Task;
  turns: EpisodeTurn[];
  final: string | null;
  stopReason: 'final' | 'max_turns' | 'error';
  error?: string;
  /** The environment's state at the end (the key-value store for tool tasks). */
  state: Record<string, unknown>;
  usage?: Usage;
  policy: string;
}

export interface Verdict {
  passed: boolean;
  checker: string;
  details: Record<string, unknown>;
}

/** A stored trajectory, exactly the record of SPEC §4. */
export interface Trajectory {
  id: string;
  domain: Domain;
  task: Task;
  messages: ChatMessage[];
  tools: ToolSpec[];
  verdict: Verdict;
  meta: { generator: string; seed: number; teacher?: { model: string; usage: Usage } };
}
