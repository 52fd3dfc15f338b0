import { dedupKey } from './dataset.js';
import { generateTask } from './domains/index.js';
import { Environment } from './env.js';
import { runEpisode } from './episode.js';
import { SynthOptionError } from './errors.js';
import type { Policy } from './policy.js';
import { Sandbox } from './sandbox.js';
import { DIFFICULTIES, type Difficulty, DOMAINS, type Domain } from './types.js';
import { checkAnswer } from './verify.js';

export interface EvaluateOptions {
  /** Seed of the held-out tasks: use one the training data was not generated with. */
  seed: number;
  /** Tasks per (domain, difficulty). */
  perCell: number;
  domains?: Domain[];
  difficulties?: Difficulty[];
  maxTurns?: number;
  /** `dedupKey`s of training tasks: held-out tasks equal to one of them are skipped. */
  exclude?: ReadonlySet<string>;
}

export interface EvaluationScore {
  tasks: number;
  solved: number;
  successRate: number;
  toolCalls: number;
  /** Calls to a tool the task does not offer, or with arguments failing the schema, plus unparseable generations. */
  invalidToolCalls: number;
  /** 1 − invalid / (calls + unparseable generations); 1 when there were none. */
  toolCallValidity: number;
  /** Episodes that ended in a policy error (e.g. a generation whose tool call did not parse). */
  errors: number;
}

export interface EvaluationReport {
  overall: EvaluationScore;
  domains: Partial<Record<Domain, EvaluationScore>>;
  byDifficulty: Partial<Record<`d${Difficulty}`, EvaluationScore>>;
}

const empty = (): EvaluationScore => ({
  tasks: 0,
  solved: 0,
  successRate: 0,
  toolCalls: 0,
  invalidToolCalls: 0,
  toolCallValidity: 1,
  errors: 0,
});

function finish(s: EvaluationScore): EvaluationScore {
  s.successRate = s.tasks ? s.solved / s.tasks : 0;
  const attempts = s.toolCalls + s.errors;
  s.toolCallValidity = attempts ? 1 - s.invalidToolCalls / attempts : 1;
  return s;
}

/**
 * Runs a policy (typically `LocalModelPolicy` over the model being trained) on held-out tasks and
 * scores task success and tool-call validity per domain and per difficulty.
 */
export async function evaluatePolicy(policy: Policy, options: EvaluateOptions): Promise<EvaluationReport> {
  if (!Number.isInteger(options.perCell) || options.perCell < 1)
    throw new SynthOptionError('perCell', options.perCell, 'a positive integer');
  const domains = options.domains ?? [...DOMAINS];
  const difficulties = options.difficulties ?? [...DIFFICULTIES];
  const sandbox = domains.includes('code') ? await Sandbox.create() : undefined;
  const report: EvaluationReport = { overall: empty(), domains: {}, byDifficulty: {} };
  for (const domain of domains) {
    for (const difficulty of difficulties) {
      const byDomain = report.domains[domain] ?? empty();
      const byDifficulty = report.byDifficulty[`d${difficulty}`] ?? empty();
      report.domains[domain] = byDomain;
      report.byDifficulty[`d${difficulty}`] = byDifficulty;
      const scores = [report.overall, byDomain, byDifficulty];
      let found = 0;
      for (let index = 0; found < options.perCell && index < options.perCell * 50; index++) {
        const task = generateTask(domain, difficulty, options.seed, index);
        if (options.exclude?.has(dedupKey(task))) continue;
        found++;
        const episode = await runEpisode(task, policy, new Environment(task, sandbox), {
          maxTurns: options.maxTurns ?? 8,
        });
        const solved = (await checkAnswer(task, episode, { sandbox })).passed;
        const observations = episode.turns.flatMap((t) => t.observations);
        const failed = episode.stopReason === 'error' ? 1 : 0;
        for (const s of scores) {
          s.tasks++;
          s.solved += solved ? 1 : 0;
          s.toolCalls += observations.length;
          s.invalidToolCalls += observations.filter((o) => o.invalid).length + failed;
          s.errors += failed;
        }
      }
    }
  }
  for (const s of [report.overall, ...Object.values(report.domains), ...Object.values(report.byDifficulty)])
    finish(s);
  return report;
}
