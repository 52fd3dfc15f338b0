import { ConfigError, quantizeCheckpoint } from '@agentlm/model';
import type { Command } from 'commander';

/** `agentlm quantize`: a float checkpoint rewritten with q8 or q4 block-quantized weights. */
async function quantize(opts: { model: string; to: string; out: string }): Promise<void> {
  if (opts.to !== 'q8' && opts.to !== 'q4') {
    throw new ConfigError('--to', 'value', `must be q8 or q4, got ${JSON.stringify(opts.to)}`);
  }
  const started = performance.now();
  const tty = process.stderr.isTTY;
  const files = await quantizeCheckpoint(opts.model, opts.out, opts.to, {
    onProgress: ({ done, total, name }) => {
      if (tty) process.stderr.write(`\rquantizing ${done}/${total} ${name}\x1b[K`);
      else if (done === total || done % 50 === 0)
        process.stderr.write(`quantized ${done}/${total} weights\n`);
    },
  });
  if (tty) process.stderr.write('\n');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`wrote ${opts.to} checkpoint to ${opts.out} in ${seconds} s: ${files.join(', ')}\n`);
}

export function registerQuantize(program: Command): void {
  program
    .command('quantize')
    .description(
      'Quantize a float checkpoint to q8 (Q8_0) or q4 (Q4_1) blocks of 32: linear layers in that format, the ' +
        'embedding and tied head in q8, norms as stored; streamed, one weight in memory at a time',
    )
    .requiredOption('--model <dir>', 'float checkpoint directory (config.json + safetensors)')
    .requiredOption('--to <format>', 'q8 or q4')
    .requiredOption(
      '--out <dir>',
      'output directory (config.json with quantization_config, safetensors, tokenizer files)',
    )
    .action(quantize);
}
