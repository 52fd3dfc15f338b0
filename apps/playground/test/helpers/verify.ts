import { checkAnswer, type Episode, type Task, type Verdict } from '@agentlm/synth';
import type { Suggestion } from '../../src/shipped.js';

/**
 * Runs a suggested prompt's transcript through `@agentlm/synth`'s verifier for its task kind: the final reply
 * (the `Answer:` line of a lookup) and the key-value store after the turn (a save is checked on the store).
 */
export function verifySuggestion(
  suggestion: Suggestion,
  final: string,
  kv: Record<string, string>,
): Promise<Verdict> {
  const task: Task = {
    id: `playground-${suggestion.kind}`,
    domain: 'tools',
    kind: suggestion.kind,
    difficulty: 1,
    seed: 0,
    prompt: suggestion.prompt,
    tools: [],
    expected: suggestion.expected,
    world: { kv },
  };
  const episode: Episode = {
    task,
    turns: [],
    final,
    stopReason: 'final',
    state: { kv },
    policy: 'playground',
  };
  return checkAnswer(task, episode);
}
