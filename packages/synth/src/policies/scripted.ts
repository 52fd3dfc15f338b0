import { writeThinking } from '../cot.js';
import type { ExpertScript } from '../domains/domain.js';
import { DOMAIN_MODULES } from '../domains/index.js';
import type { Policy, PolicySession } from '../policy.js';
import { deriveSeed, Rng } from '../rng.js';
import type { AgentTurn, Task } from '../types.js';

export interface ScriptedPolicyOptions {
  /** Share of episodes with one realistic mistake followed by reflection and recovery (0 to 1). */
  mistakeRate?: number;
  seed?: number;
}

/**
 * The offline expert of every domain: deterministic given (seed, task id). It knows how to solve each
 * task template but reads every fact it reports from the tools' observations.
 */
export class ScriptedPolicy implements Policy {
  readonly name = 'scripted';
  private readonly mistakeRate: number;
  private readonly seed: number;

  constructor(options: ScriptedPolicyOptions = {}) {
    this.mistakeRate = options.mistakeRate ?? 0.25;
    this.seed = options.seed ?? 0;
  }

  start(task: Task): PolicySession {
    const rng = new Rng(deriveSeed(this.seed, task.id));
    const script: ExpertScript = DOMAIN_MODULES[task.domain].expert(task, {
      mistake: rng.chance(this.mistakeRate),
      rng,
    });
    let turn = 0;
    return {
      async next(observations): Promise<AgentTurn> {
        const step = script.next(observations);
        const t = turn++;
        if (step.done)
          return { reasoning: writeThinking(step.value.phases), content: step.value.answer, toolCalls: [] };
        return {
          reasoning: writeThinking(step.value.phases),
          content: '',
          toolCalls: step.value.calls.map((c, j) => ({
            id: `call_${t}_${j}`,
            name: c.name,
            arguments: c.arguments,
          })),
        };
      },
    };
  }
}
