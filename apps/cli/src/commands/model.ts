import {
  Checkpoint,
  ConfigError,
  configToJSON,
  describeStats,
  modelStats,
  PRESET_NAMES,
  type PresetName,
  presetConfig,
  readConfig,
  readTokenizerFacts,
  saveModel,
  type TorchDType,
  YoutuModel,
} from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';
import type { Command } from 'commander';

/** `agentlm model init`: a freshly initialised preset whose vocabulary and special ids come from a tokenizer. */
async function init(opts: {
  preset: string;
  tokenizer: string;
  out: string;
  seed: string;
  dtype: string;
}): Promise<void> {
  if (!PRESET_NAMES.includes(opts.preset as PresetName)) {
    throw new ConfigError(
      '--preset',
      'name',
      `must be one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(opts.preset)}`,
    );
  }
  if (!['float32', 'bfloat16', 'float16'].includes(opts.dtype)) {
    throw new ConfigError(
      '--dtype',
      'value',
      `must be float32, bfloat16 or float16, got ${JSON.stringify(opts.dtype)}`,
    );
  }
  const seed = Number(opts.seed);
  if (!Number.isInteger(seed) || seed < 0)
    throw new ConfigError(
      '--seed',
      'value',
      `must be a non-negative integer, got ${JSON.stringify(opts.seed)}`,
    );
  const tok = await readTokenizerFacts(opts.tokenizer);
  const config = presetConfig(opts.preset as PresetName, {
    vocab_size: tok.vocabSize,
    bos_token_id: tok.bosTokenId,
    eos_token_id: tok.eosTokenId,
    pad_token_id: tok.padTokenId,
    torch_dtype: opts.dtype,
  });
  const backend = await initBackend('cpu');
  const model = YoutuModel.init(config, { seed, backend, requiresGrad: false });
  const files = await saveModel(model, opts.out, {
    dtype: opts.dtype as TorchDType,
    tokenizerDir: opts.tokenizer,
  });
  model.dispose();
  const stats = modelStats(config);
  process.stdout.write(
    `initialised ${opts.preset} (${stats.parameters.toLocaleString('en-US')} parameters, vocab ${config.vocabSize}) in ${opts.out}: ${files.join(', ')}\n`,
  );
}

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
    ...(config.quantization === undefined
      ? []
      : [
          `  quantization: ${config.quantization.format} in blocks of ${config.quantization.groupSize} (embedding q8, norms f32)`,
        ]),
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
    .command('init')
    .description(
      'Create a randomly initialised model from a preset, sized to a tokenizer, as an HF checkpoint directory',
    )
    .requiredOption('--preset <name>', `model shape: ${PRESET_NAMES.join(', ')}`)
    .requiredOption(
      '--tokenizer <dir>',
      'HF tokenizer directory (tokenizer.json): sets vocab_size and bos/eos/pad ids, and is copied',
    )
    .requiredOption('--out <dir>', 'output checkpoint directory')
    .option('--seed <n>', 'initialisation seed', '0')
    .option('--dtype <dtype>', 'stored weight dtype: float32, bfloat16 or float16', 'float32')
    .action(init);
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
