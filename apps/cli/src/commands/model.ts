import { Checkpoint, configToJSON, describeStats, modelStats, readConfig } from '@agentlm/model';
import type { Command } from 'commander';

/** `agentlm model info DIR`: the config, parameter count and memory estimates, and what the checkpoint stores. */
async function info(dir: string, opts: { json?: boolean; context: string }): Promise<void> {
  const config = await readConfig(dir);
  const stats = modelStats(config, Number(opts.context));
  let checkpoint: { tensors: number; dtypes: Record<string, number>; bytes: number; files: number } | null =
    null;
  try {
    const ckpt = await Checkpoint.open(dir);
    const dtypes: Record<string, number> = {};
    let bytes = 0;
    for (const e of ckpt.entries.values()) {
      dtypes[e.dtype] = (dtypes[e.dtype] ?? 0) + 1;
      bytes += e.byteLength;
    }
    checkpoint = {
      tensors: ckpt.entries.size,
      dtypes,
      bytes,
      files: new Set([...ckpt.entries.values()].map((e) => e.file)).size,
    };
    await ckpt.close();
  } catch (err) {
    if ((err as { code?: string }).code !== 'MISSING_FILE') throw err;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ config: configToJSON(config), stats, checkpoint }, null, 2)}\n`);
    return;
  }
  const lines = [
    `model ${dir}`,
    `  shape: d=${config.hiddenSize} layers=${config.numHiddenLayers} heads=${config.numAttentionHeads} vocab=${config.vocabSize} ` +
      `ffn=${config.intermediateSize} q_lora=${config.qLoraRank ?? 'none'} kv_lora=${config.kvLoraRank} ` +
      `head dims nope/rope/v=${config.qkNopeHeadDim}/${config.qkRopeHeadDim}/${config.vHeadDim}`,
    `  rope: theta=${config.ropeTheta} interleave=${config.ropeInterleave} scaling=${config.ropeScaling ? `yarn x${config.ropeScaling.factor}` : 'none'}` +
      ` max_position=${config.maxPositionEmbeddings} tied_head=${config.tieWordEmbeddings}`,
    ...Object.entries(describeStats(stats)).map(([k, v]) => `  ${k}: ${v}`),
    checkpoint === null
      ? '  checkpoint: no weights in this directory'
      : `  checkpoint: ${checkpoint.tensors} tensors in ${checkpoint.files} file(s), ${(checkpoint.bytes / 2 ** 20).toFixed(2)} MiB, dtypes ${JSON.stringify(checkpoint.dtypes)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Registers the `agentlm model` commands. */
export function registerModel(program: Command): void {
  const model = program
    .command('model')
    .description('Create and inspect Youtu MLA model checkpoints (HF config.json + safetensors).');
  model
    .command('info')
    .description(
      'Print a checkpoint directory’s config, parameter count, FLOPs per token and memory estimates',
    )
    .argument('<dir>', 'checkpoint directory (config.json, model.safetensors or shards)')
    .option('--json', 'print one JSON object instead of text')
    .option('--context <n>', 'context length for the FLOPs-per-token figures', '2048')
    .action(info);
}
