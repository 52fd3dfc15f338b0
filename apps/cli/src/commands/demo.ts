import { runDemo, TrainConfigError } from '@agentlm/trainer';
import type { Command } from 'commander';

const BACKENDS = ['auto', 'cpu', 'webgpu'] as const;

/** Registers `agentlm demo`: the end-to-end recipe on the embedded data. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole recipe end to end on generated data: STEM tokenizer, synthesized trajectories, 3-stage curriculum + agentic mix, ' +
        'pre-train a nano MLA model, evaluate, mid-train, evaluate again, save an HF checkpoint and a Markdown report, and chat with tools',
    )
    .option('--out <dir>', 'output directory', '.agentlm/demo')
    .option(
      '--quick',
      'a reduced size (seconds, for tests); the default run is the real one (a few minutes on 2 CPU cores)',
    )
    .option('--backend <name>', `tensor backend: ${BACKENDS.join(', ')}`, 'cpu')
    .option('--seed <n>', 'seed of every generator, the data order and the initial weights', '0')
    .action(async (opts: { out: string; quick?: boolean; backend: string; seed: string }) => {
      if (!(BACKENDS as readonly string[]).includes(opts.backend)) {
        throw new TrainConfigError(
          `--backend must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(opts.backend)}`,
        );
      }
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0)
        throw new TrainConfigError(`--seed must be a non-negative integer, got ${JSON.stringify(opts.seed)}`);
      const t0 = performance.now();
      const r = await runDemo({
        out: opts.out,
        quick: opts.quick === true,
        backend: opts.backend as (typeof BACKENDS)[number],
        seed,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      process.stdout.write(
        `\nagent-task success on ${r.agent.tasks} held-out tasks: ${pct(r.agent.before.successRate)} before mid-training → ${pct(r.agent.after.successRate)} after; ` +
          `tool tasks opening a <tool_call> ${pct(r.agent.before.toolCallAttemptRate)} → ${pct(r.agent.after.toolCallAttemptRate)}, ` +
          `well-formed calls ${pct(r.agent.before.toolCallRate)} → ${pct(r.agent.after.toolCallRate)}\n` +
          `checkpoint: ${r.checkpoint}\ntools: ${r.tools} (agentlm chat --model ${r.checkpoint} offers them)\nreport: ${r.report}\ndemo finished in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    });
}
