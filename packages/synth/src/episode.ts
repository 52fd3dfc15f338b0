import { Environment } from './env.js';
import type { Policy } from './policy.js';
import type { Episode, EpisodeTurn, Observation, Task } from './types.js';

export interface EpisodeOptions {
  /** Turns before the episode is cut off (stopReason `max_turns`). */
  maxTurns?: number;
}

/**
 * Runs a policy on a task until it answers without tool calls: each turn's tool calls go to the
 * environment and their observations back to the policy. Policy failures end the episode with
 * stopReason `error` instead of throwing, so one bad episode never stops a run.
 */
export async function runEpisode(
  task: Task,
  policy: Policy,
  env?: Environment,
  options: EpisodeOptions = {},
): Promise<Episode> {
  const environment = env ?? (await Environment.create(task));
  const session = policy.start(task);
  const turns: EpisodeTurn[] = [];
  const end = (stopReason: Episode['stopReason'], final: string | null, error?: string): Episode => ({
    task,
    turns,
    final,
    stopReason,
    ...(error === undefined ? {} : { error }),
    state: environment.snapshot(),
    ...(session.usage ? { usage: session.usage() } : {}),
    policy: policy.name,
  });
  let observations: Observation[] = [];
  for (let i = 0; i < (options.maxTurns ?? 12); i++) {
    let turn: Awaited<ReturnType<typeof session.next>>;
    try {
      turn = await session.next(observations);
    } catch (err) {
      return end('error', null, (err as Error).message);
    }
    observations = turn.toolCalls.map((call) => environment.execute(call));
    turns.push({ ...turn, observations });
    if (turn.toolCalls.length === 0) return end('final', turn.content);
  }
  return end('max_turns', null);
}
