import { loadTrainConfig, trainFromConfig } from '@agentlm/trainer';
import type { Command } from 'commander';

/** Registers `agentlm train CONFIG`: pre-training, mid-training or SFT from one config file. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'train a model from a JSON config (kind: pretrain | midtrain | sft) on a mix folder built by `agentlm mix build`',
    )
    .argument('<config>', 'training config (.json); see docs/packages/trainer.md for the fields')
    .option('--resume', 'continue from the newest valid checkpoint in the run folder')
    .option('--steps <n>', 'override the number of optimizer steps')
    .action(async (file: string, opts: { resume?: boolean; steps?: string }) => {
      const config = loadTrainConfig(file);
      const steps = opts.steps === undefined ? undefined : Number(opts.steps);
      const r = await trainFromConfig(config, {
        resume: opts.resume === true,
        steps,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(
        `trained ${r.steps} steps, ${r.tokens} tokens in ${r.seconds.toFixed(1)} s; final loss ${r.losses.at(-1)?.toFixed(4) ?? 'n/a'}\n` +
          `checkpoint: ${r.checkpoint ?? '(none)'}\n`,
      );
    });
}
