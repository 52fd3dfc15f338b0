import { writeFile } from 'node:fs/promises';
import { loadModel, ModelInputError } from '@agentlm/model';
import { type DType, initBackend, noGrad, tidy } from '@agentlm/tensor';
import type { Command } from 'commander';
import { downloadProgressBar } from '../download-progress.js';

/** Parses `--ids 1,2,3` into token ids. */
function parseIds(text: string): number[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.length === 0 || ids.some((s) => !/^\d+$/.test(s))) {
    throw new ModelInputError(
      `--ids must be comma-separated non-negative integers, got ${JSON.stringify(text)}`,
    );
  }
  return ids.map(Number);
}

/** `agentlm logits`: one full forward of the ids; the logits rows as float32 values in JSON. */
async function logits(opts: {
  model: string;
  ids: string;
  backend: string;
  dtype: string;
  checkFinite: boolean;
  allPositions?: boolean;
  out: string;
}): Promise<void> {
  const dtypes = ['auto', 'f32', 'bf16', 'f16', 'q8', 'q4'] as const;
  if (!dtypes.includes(opts.dtype as (typeof dtypes)[number])) {
    throw new ModelInputError(
      `--dtype must be one of ${dtypes.join(', ')}, got ${JSON.stringify(opts.dtype)}`,
    );
  }
  if (opts.backend !== 'cpu' && opts.backend !== 'webgpu') {
    throw new ModelInputError(`--backend must be cpu or webgpu, got ${JSON.stringify(opts.backend)}`);
  }
  const ids = parseIds(opts.ids);
  const backend = await initBackend(opts.backend);
  const dtype = opts.dtype === 'auto' ? undefined : (opts.dtype as DType);
  const model = await loadModel(opts.model, {
    backend,
    dtype,
    requiresGrad: false,
    checkFinite: opts.checkFinite,
    onDownloadProgress: downloadProgressBar(),
  });
  const out = tidy(() => noGrad(() => model.forward([ids]).logits));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  model.dispose();
  const v = model.config.vocabSize;
  const positions = opts.allPositions ? ids.map((_, i) => i) : [ids.length - 1];
  const rows = positions.map((t) => Array.from(data.subarray(t * v, (t + 1) * v)));
  await writeFile(opts.out, `${JSON.stringify({ ids, positions, vocab_size: v, logits: rows })}\n`);
  process.stdout.write(`wrote logits [${rows.length}, ${v}] of ${ids.length} ids to ${opts.out}\n`);
}

/** Registers the inference commands (`agentlm logits`; generation commands live here too). */
export function registerGenerate(program: Command): void {
  program
    .command('logits')
    .description('Run one forward pass of a checkpoint on token ids and write the logits (float32) as JSON')
    .requiredOption(
      '--model <dir|url>',
      'checkpoint directory (config.json + safetensors), or its http(s) URL',
    )
    .requiredOption('--ids <ids>', 'comma-separated token ids, e.g. 1,2,3')
    .option('--backend <name>', 'cpu or webgpu', 'cpu')
    .option('--dtype <dtype>', "weight dtype: auto (the checkpoint's own), f32, bf16, f16, q8, q4", 'auto')
    .option(
      '--no-check-finite',
      'load weights holding NaN or ±Infinity instead of refusing them (inspection)',
    )
    .option('--all-positions', 'write the logits of every position (default: the last one only)')
    .requiredOption('--out <file>', 'output JSON file: {ids, positions, vocab_size, logits: number[][]}')
    .action(logits);
}
