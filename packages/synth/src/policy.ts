import type { AgentTurn, Observation, Task, Usage } from './types.js';

/** A policy acting on one task: each call gets the observations of the previous turn's tool calls. */
export interface PolicySession {
  next(observations: Observation[]): Promise<AgentTurn>;
  /** Teacher usage spent on this episode, when the policy calls a model service. */
  usage?(): Usage;
}

/** Something that acts: the scripted experts, an OpenAI-compatible teacher, or a local model. */
export interface Policy {
  readonly name: string;
  /** The model name recorded in `meta.teacher`, for model-backed policies. */
  readonly model?: string;
  start(task: Task): PolicySession;
}

export const emptyUsage = (): Usage => ({
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  retries: 0,
  costUsd: 0,
});

export function addUsage(into: Usage, add: Usage): void {
  into.requests += add.requests;
  into.promptTokens += add.promptTokens;
  into.completionTokens += add.completionTokens;
  into.retries += add.retries;
  into.costUsd += add.costUsd;
}
