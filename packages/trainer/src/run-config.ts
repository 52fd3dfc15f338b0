import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MixDataset } from '@agentlm/mixer';
import {
  loadModel,
  YoutuModel as Model,
  PRESET_NAMES,
  type PresetName,
  presetConfig,
  readConfig,
  type YoutuModel,
} from '@agentlm/model';
import { DeviceError, initBackend } from '@agentlm/tensor';
import { planAccumulation } from './accumulate.js';
import type { TrainConfig } from './config.js';
import { mixBatchSource, stageHintsFromMix } from './data.js';
import { TrainConfigError, TrainerMemoryError } from './errors.js';
import { heldOutLoss } from './eval.js';
import { type TrainResult, trainLoop } from './loop.js';
import { checkTrainingMemory, describeMemory } from './memory.js';
import { type LrSchedule, wsdFromStageHints } from './schedule.js';

export interface TrainFromConfigOptions {
  resume?: boolean;
  /** Overrides `steps` of the config. */
  steps?: number;
  log?: (line: string) => void;
}

async function buildModel(
  c: TrainConfig,
  vocabSize: number,
  backend: Awaited<ReturnType<typeof initBackend>>,
): Promise<YoutuModel> {
  if ('init' in c.model) return loadModel(c.model.init, { backend });
  if ('config' in c.model) {
    const dir = statSync(c.model.config).isDirectory() ? c.model.config : dirname(c.model.config);
    return Model.init(await readConfig(dir), { seed: c.seed, backend });
  }
  const preset = c.model.preset;
  if (!(PRESET_NAMES as string[]).includes(preset)) {
    throw new TrainConfigError(
      `model.preset must be one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(preset)}`,
    );
  }
  const overrides: Record<string, unknown> = { vocab_size: c.model.vocabSize ?? vocabSize };
  if (c.model.seqLen) overrides.max_position_embeddings = c.model.seqLen;
  return Model.init(presetConfig(preset as PresetName, overrides), { seed: c.seed, backend });
}

/** Where the tokenizer files copied into every checkpoint live: the config's, the mix's, or the initial model's. */
function tokenizerDir(c: TrainConfig, mixTokenizer: string | undefined): string | undefined {
  const candidates = [
    c.tokenizer,
    mixTokenizer,
    'init' in c.model ? join(c.model.init, 'tokenizer.json') : undefined,
  ];
  for (const p of candidates) {
    if (p === undefined) continue;
    const dir = p.endsWith('.json') ? dirname(p) : p;
    if (existsSync(join(dir, 'tokenizer.json'))) return dir;
  }
  return undefined;
}

/** Runs `agentlm train CONFIG`: the model, data, schedule, evaluation and checkpoints a config describes. */
export async function trainFromConfig(
  c: TrainConfig,
  opts: TrainFromConfigOptions = {},
): Promise<TrainResult> {
  if (opts.steps !== undefined && (!Number.isInteger(opts.steps) || opts.steps < 1)) {
    throw new TrainConfigError(`--steps must be a positive integer, got ${opts.steps}`);
  }
  const log = opts.log ?? (() => {});
  const backend = await initBackend(c.backend);
  const dataset = MixDataset.open(c.data.mix);
  const seqLen = dataset.index.stages[0]?.seqLen ?? 2;
  const plan = planAccumulation(c.batch.tokens, c.batch.microBatchSequences, seqLen);
  const steps =
    opts.steps ??
    c.steps ??
    Math.max(1, Math.ceil(dataset.length / (plan.microBatches * plan.microBatchSequences)));
  const model = await buildModel(c, dataset.index.vocabSize, backend);
  if (model.config.vocabSize < dataset.index.vocabSize) {
    throw new TrainConfigError(
      `${c.data.mix}: the mix uses ${dataset.index.vocabSize} token ids but the model's vocab_size is ${model.config.vocabSize}`,
    );
  }
  const longest = Math.max(...dataset.index.stages.map((st) => st.seqLen));
  const memory = checkTrainingMemory(model.config, plan.microBatchSequences, longest);
  const o = c.optim;
  const schedule: LrSchedule =
    o.schedule === 'constant'
      ? { kind: 'constant', lr: o.lr }
      : o.schedule === 'cosine'
        ? {
            kind: 'cosine',
            peakLr: o.lr,
            warmupSteps: Math.min(o.warmupSteps, steps),
            totalSteps: steps,
            minLrRatio: o.minLrRatio,
          }
        : wsdFromStageHints(stageHintsFromMix(dataset.index, steps), {
            peakLr: o.lr,
            warmupSteps: o.warmupSteps,
            minLrRatio: o.minLrRatio,
          });
  const evalSet = c.eval
    ? (() => {
        const ds = MixDataset.open((c.eval as NonNullable<TrainConfig['eval']>).mix);
        const n = Math.min(
          ds.length,
          (c.eval as NonNullable<TrainConfig['eval']>).batches * plan.microBatchSequences,
        );
        return [{ domain: 'eval', rows: Array.from({ length: n }, (_, i) => ds.get(i)) }];
      })()
    : null;
  log(
    `${c.kind}: ${model
      .parameters()
      .reduce((a, p) => a + p.size, 0)
      .toLocaleString('en-US')} parameters, ${steps} steps of ` +
      `${plan.microBatches} × ${plan.microBatchSequences} × ${seqLen} tokens, loss on ${c.lossMask === 'all' ? 'all tokens' : 'assistant tokens'}, ${backend.name} backend`,
  );
  try {
    return await runLoop();
  } catch (err) {
    // a failed device allocation mid-run: say what the run needs and what to turn down
    if (err instanceof DeviceError) {
      throw new TrainerMemoryError(
        `${err.message}; ${describeMemory(memory, plan.microBatchSequences, longest)}`,
      );
    }
    throw err;
  }

  function runLoop(): Promise<TrainResult> {
    return trainLoop({
      model,
      source: (start) => mixBatchSource(dataset, plan.microBatchSequences, start),
      steps,
      microBatches: plan.microBatches,
      schedule,
      optim: {
        beta1: o.beta1,
        beta2: o.beta2,
        eps: o.eps,
        weightDecay: o.weightDecay,
        decayNormsAndEmbeddings: o.decayNormsAndEmbeddings,
        clip: o.clip,
      },
      lossMask: c.lossMask,
      precision: c.precision,
      workers: c.workers,
      onNonFinite: c.onNonFinite,
      seed: c.seed,
      runDir: c.out,
      checkpointEvery: c.checkpoint.everySteps,
      keepLast: c.checkpoint.keepLast,
      tokenizerDir: tokenizerDir(c, dataset.index.tokenizer),
      resume: opts.resume,
      evaluate: evalSet
        ? async (_step, m) => ({ loss: (await heldOutLoss(m, evalSet)).eval?.loss ?? Number.NaN })
        : undefined,
      evalEvery: c.eval?.everySteps,
      log,
      logEvery: c.logEverySteps,
      progress: true,
    });
  }
}
