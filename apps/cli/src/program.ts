import { Command, CommanderError } from 'commander';
import { registerDemo } from './commands/demo.js';
import { registerGenerate } from './commands/generate.js';
import { registerInference } from './commands/inference.js';
import { registerMix } from './commands/mix.js';
import { registerModel } from './commands/model.js';
import { registerQuantize } from './commands/quantize.js';
import { registerSynth } from './commands/synth.js';
import { registerTokenizer } from './commands/tokenizer.js';
import { registerTrain } from './commands/train.js';
import { formatError } from './report.js';

/** Builds the `agentlm` program; every command group lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command('agentlm')
    .description('Build and run lightweight agentic language models (Youtu-LLM recipe) on WebGPU and CPU.')
    .option('--verbose', "print full stack traces on errors and Dawn's (WebGPU's) native log")
    .showHelpAfterError()
    .exitOverride()
    // read by every backend start, in this process and in the workers it spawns
    .hook('preAction', (cmd) => {
      if (cmd.opts().verbose === true) process.env.AGENTLM_VERBOSE = '1';
    });
  for (const register of [
    registerTokenizer,
    registerModel,
    registerQuantize,
    registerMix,
    registerSynth,
    registerTrain,
    registerGenerate,
    registerInference,
    registerDemo,
  ]) {
    register(program);
  }
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 a failure of the task, 2 a usage error. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or the help text, whose code is 0).
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${formatError(err, program.opts().verbose === true)}\n`);
    return 1;
  }
}
