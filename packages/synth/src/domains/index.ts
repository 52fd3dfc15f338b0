import { SynthOptionError } from '../errors.js';
import { deriveSeed, Rng } from '../rng.js';
import { DIFFICULTIES, type Difficulty, DOMAINS, type Domain, type Task } from '../types.js';
import { code, runCode } from './code.js';
import { containsSecret, type DomainModule, type ToolHandler } from './domain.js';
import { math } from './math.js';
import { research, researchHandlers } from './research.js';
import { TOOL_HANDLERS } from './toolbox.js';
import { tools } from './tools.js';

export const DOMAIN_MODULES: Record<Domain, DomainModule> = { math, code, tools, research };

/** Every simulated API by tool name (names are unique across domains). */
export const HANDLERS: Record<string, ToolHandler> = {
  ...TOOL_HANDLERS,
  ...researchHandlers,
  run_code: runCode,
};

export interface GenerateOptions {
  seed: number;
  count: number;
  difficulty: Difficulty;
  /** Index of the first task (tasks are numbered, so a range can be generated in pieces). */
  start?: number;
}

export function checkDomain(domain: string): Domain {
  if (!DOMAINS.includes(domain as Domain))
    throw new SynthOptionError('domain', domain, `one of ${DOMAINS.join(', ')}`);
  return domain as Domain;
}

export function checkDifficulty(difficulty: number): Difficulty {
  if (!DIFFICULTIES.includes(difficulty as Difficulty))
    throw new SynthOptionError('difficulty', difficulty, '1, 2 or 3');
  return difficulty as Difficulty;
}

/** The task number `index` of (domain, difficulty, seed): a pure function of those four values. */
export function generateTask(domain: Domain, difficulty: Difficulty, seed: number, index: number): Task {
  const taskSeed = deriveSeed(seed, domain, difficulty, index);
  const rng = new Rng(taskSeed);
  for (;;) {
    const g = DOMAIN_MODULES[checkDomain(domain)].generate(rng, checkDifficulty(difficulty));
    // Draw again when the ground truth happens to appear in the question.
    if (g.secrets.some((s) => containsSecret(g.prompt, s))) continue;
    return {
      id: `${domain}-d${difficulty}-s${seed}-${index}`,
      domain,
      kind: g.kind,
      difficulty,
      seed: taskSeed,
      prompt: g.prompt,
      tools: g.tools,
      expected: g.expected,
      world: { ...g.world, secrets: g.secrets },
    };
  }
}

/** `count` tasks of one domain and difficulty with known answers; the same options give the same tasks. */
export function generateTasks(domain: Domain, options: GenerateOptions): Task[] {
  if (!Number.isInteger(options.count) || options.count < 0)
    throw new SynthOptionError('count', options.count, 'a non-negative integer');
  const start = options.start ?? 0;
  return Array.from({ length: options.count }, (_, i) =>
    generateTask(domain, options.difficulty, options.seed, start + i),
  );
}
