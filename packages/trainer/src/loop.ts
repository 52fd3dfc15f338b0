import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, saveModel, type YoutuModel } from '@agentlm/model';
import { AdamWState, adamw, clipGradNorm, zeroGrad } from '@agentlm/tensor';
import { microBatchWeights } from './accumulate.js';
import { CheckpointStore } from './checkpoint.js';
import { type BatchSource, type BatchSourceState, shiftBatch, type TrainBatch } from './data.js';
import { NonFiniteGuard, type NonFinitePolicy } from './guard.js';
import { MetricsWriter } from './metrics.js';
import type { MicroBatchJob } from './micro-batch.js';
import { decayFlags, loadOptimizer, saveOptimizer } from './optimizer.js';
import { DataParallel, resolveWorkers } from './parallel.js';
import type { Precision } from './precision.js';
import { ProgressBar } from './progress.js';
import { TrainerRng } from './rng.js';
import { type LrSchedule, lrAt } from './schedule.js';
import { installStopOnSignal } from './signals.js';

export const TRAINER_STATE_FILE = 'trainer_state.json';

/** AdamW and clipping settings (see the `optim` block of a train config). */
export interface OptimSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decayNormsAndEmbeddings: boolean;
  /** Global gradient-norm clip; 0 disables. */
  clip: number;
}

export const DEFAULT_OPTIM: OptimSettings = {
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  decayNormsAndEmbeddings: false,
  clip: 1,
};

/** Everything besides weights and moments that a resumed run needs (`trainer_state.json`). */
export interface TrainerState {
  step: number;
  tokens: number;
  adamStep: number;
  data: BatchSourceState;
  rng: number;
  skippedSteps: number;
  lr: number;
  loss: number;
}

export interface TrainLoopOptions {
  model: YoutuModel;
  /** Builds the batch source from a saved position (start or resume). */
  source: (start?: BatchSourceState) => BatchSource;
  /** Optimizer steps of the whole run. */
  steps: number;
  /** Micro-batches accumulated per optimizer step. */
  microBatches: number;
  schedule: LrSchedule;
  optim?: Partial<OptimSettings>;
  /** `all` (pre-training) or `assistant` (mid-training, SFT: only loss-mask bits count). */
  lossMask: 'all' | 'assistant';
  /** Mixed precision: the forward reads bf16/f16 copies of the f32 master weights (default f32). */
  precision?: Precision;
  /**
   * Data-parallel lanes on the CPU backend (default 1): the main thread and `workers - 1` worker threads
   * each take micro-batches of a step; the result is bit-identical to one lane. `auto`: one lane per core,
   * at most one per micro-batch (1 on other backends).
   */
  workers?: number | 'auto';
  onNonFinite?: NonFinitePolicy;
  seed?: number;
  /** Folder for checkpoints/ and metrics.jsonl; without it nothing is written. */
  runDir?: string;
  checkpointEvery?: number;
  keepLast?: number;
  /** Copied into every checkpoint so each is a complete HF model folder. */
  tokenizerDir?: string;
  /** Continue from the newest valid checkpoint in runDir (the model's weights are replaced by it). */
  resume?: boolean;
  /** Periodic evaluation; the returned numbers go to metrics.jsonl as an `eval` record. */
  evaluate?: (step: number, model: YoutuModel) => Promise<Record<string, number>>;
  evalEvery?: number;
  log?: (line: string) => void;
  logEvery?: number;
  /** Draw a progress bar on stderr when it is a TTY. */
  progress?: boolean;
  /** Save and stop on SIGINT/SIGTERM (default true when runDir is set). */
  handleSignals?: boolean;
  /** Called before each optimizer step (tests use it to inject faults). */
  beforeStep?: (step: number, model: YoutuModel) => void;
}

export interface TrainResult {
  model: YoutuModel;
  steps: number;
  tokens: number;
  /** Loss of each optimizer step run in this call (NaN for skipped ones). */
  losses: number[];
  lrs: number[];
  skippedSteps: number;
  stoppedBySignal: boolean;
  /** Folder of the last checkpoint written (or resumed from). */
  checkpoint: string | null;
  seconds: number;
}

/**
 * Mean loss of one optimizer step's micro-batches over their counted targets (NaN when none counts);
 * gradients accumulate in the params' `.grad`.
 */
async function accumulateGradients(
  parallel: DataParallel,
  batches: TrainBatch[],
  lossMask: 'all' | 'assistant',
): Promise<{ loss: number; counted: number }> {
  const shifted = batches.map((b) => ({ ...shiftBatch(b, lossMask), rows: b.rows }));
  const weights = microBatchWeights(shifted.map((s) => s.counted));
  const jobs: MicroBatchJob[] = shifted
    .map((s, k) => ({
      ids: s.ids,
      targets: s.targets,
      mask: s.weights,
      rows: s.rows,
      t: s.t,
      weight: weights[k] as number,
    }))
    .filter((job) => job.weight !== 0);
  const losses = await parallel.accumulate(jobs);
  const loss = losses.reduce((a, l, k) => a + (jobs[k] as MicroBatchJob).weight * l, 0);
  const counted = shifted.reduce((a, s) => a + s.counted, 0);
  return { loss: counted > 0 ? loss : Number.NaN, counted };
}

async function writeCheckpoint(
  store: CheckpointStore,
  model: YoutuModel,
  adam: AdamWState,
  state: TrainerState,
  tokenizerDir: string | undefined,
): Promise<string> {
  const info = await store.save(state.step, async (dir) => {
    await saveModel(model, dir, { tokenizerDir });
    await saveOptimizer(model, adam, dir);
    writeFileSync(join(dir, TRAINER_STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  });
  return info.path;
}

/**
 * The training loop: gradient accumulation over `microBatches` micro-batches per step, global-norm
 * clipping, AdamW with decoupled weight decay, the LR schedule, the NaN/Inf guard, periodic eval,
 * checkpoints (atomic, rotated, also on SIGINT/SIGTERM) and metrics. Deterministic for a given
 * backend and seed; a resumed run reaches the same weights as an uninterrupted one.
 */
export async function trainLoop(opts: TrainLoopOptions): Promise<TrainResult> {
  const started = performance.now();
  const optim = { ...DEFAULT_OPTIM, ...opts.optim };
  const log = opts.log ?? (() => {});
  const store = opts.runDir
    ? new CheckpointStore(join(opts.runDir, 'checkpoints'), { keepLast: opts.keepLast ?? 3 })
    : null;
  let model = opts.model;
  let adam = new AdamWState();
  let state: TrainerState = {
    step: 0,
    tokens: 0,
    adamStep: 0,
    data: { nextSequence: 0, epoch: 0 },
    rng: opts.seed ?? 0,
    skippedSteps: 0,
    lr: 0,
    loss: Number.NaN,
  };
  let checkpoint: string | null = null;
  if (opts.resume && store) {
    const found = store.latestValid((path, reason) => log(`skipping checkpoint ${path}: ${reason}`));
    if (found) {
      state = JSON.parse(readFileSync(join(found.path, TRAINER_STATE_FILE), 'utf8')) as TrainerState;
      const backend = model.backend;
      model.dispose();
      model = await loadModel(found.path, { backend });
      adam = await loadOptimizer(model, found.path, state.adamStep);
      checkpoint = found.path;
      log(`resumed from ${found.path} (step ${state.step}, ${state.tokens} tokens)`);
    }
  }
  const params = model.parameters();
  const decay = decayFlags(model, optim.decayNormsAndEmbeddings);
  const source = opts.source(state.data);
  const rng = new TrainerRng(state.rng);
  const guard = new NonFiniteGuard(opts.onNonFinite ?? 'stop');
  guard.skipped = state.skippedSteps;
  const metrics = opts.runDir
    ? new MetricsWriter(join(opts.runDir, 'metrics.jsonl'), {
        resumeFromStep: checkpoint ? state.step : undefined,
      })
    : null;
  const bar = new ProgressBar(process.stderr);
  bar.resumeAt(state.tokens);
  let stopSignal: NodeJS.Signals | null = null;
  const uninstall =
    (opts.handleSignals ?? store !== null) ? installStopOnSignal((s) => (stopSignal = s)) : () => {};
  const losses: number[] = [];
  const lrs: number[] = [];
  // started inside the try, so the finally that stops the workers also runs when a later setup step throws
  let parallel: DataParallel | null = null;
  const saveNow = async () => {
    if (!store) return;
    state = {
      ...state,
      data: source.state(),
      rng: rng.state,
      adamStep: adam.step,
      skippedSteps: guard.skipped,
    };
    checkpoint = await writeCheckpoint(store, model, adam, state, opts.tokenizerDir);
  };
  try {
    const lanes = resolveWorkers(opts.workers ?? 1, model.backend.name, opts.microBatches);
    parallel = await DataParallel.start(model, lanes, opts.precision ?? 'f32');
    if (lanes > 1) log(`data parallel: ${lanes} lanes (main thread + ${lanes - 1} worker threads)`);
    const runStart = performance.now();
    const tokensAtStart = state.tokens;
    while (state.step < opts.steps) {
      opts.beforeStep?.(state.step, model);
      const lr = lrAt(opts.schedule, state.step);
      const batches = Array.from({ length: opts.microBatches }, () => source.next());
      const { loss, counted } = await accumulateGradients(parallel, batches, opts.lossMask);
      const gradNorm = await clipGradNorm(params, optim.clip > 0 ? optim.clip : Number.MAX_VALUE);
      // a step whose rows hold no loss-masked target (e.g. only chat prompts) has nothing to learn from
      const apply = counted > 0 && guard.check(state.step + 1, loss, gradNorm);
      if (apply)
        adamw(params, adam, {
          lr,
          beta1: optim.beta1,
          beta2: optim.beta2,
          eps: optim.eps,
          weightDecay: optim.weightDecay,
          decay,
        });
      else if (counted === 0)
        log(`step ${state.step + 1}: no loss-masked targets in this batch; update skipped`);
      else log(`step ${state.step + 1}: non-finite (loss ${loss}, grad norm ${gradNorm}); update skipped`);
      zeroGrad(params);
      const stepTokens = batches.reduce((a, b) => a + b.rows * b.seqLen, 0);
      state = { ...state, step: state.step + 1, tokens: state.tokens + stepTokens, lr, loss };
      losses.push(loss);
      lrs.push(lr);
      const elapsed = (performance.now() - runStart) / 1000;
      const tokensPerSecond = (state.tokens - tokensAtStart) / Math.max(elapsed, 1e-9);
      metrics?.write({
        kind: 'train',
        step: state.step,
        loss: Number.isFinite(loss) ? loss : null,
        counted,
        lr,
        gradNorm,
        tokens: state.tokens,
        tokensPerSecond,
        stage: batches[0]?.stage ?? null,
        skipped: !apply,
      });
      if (opts.progress)
        bar.update({ step: state.step, totalSteps: opts.steps, tokens: state.tokens, loss, lr });
      if (opts.logEvery && (state.step % opts.logEvery === 0 || state.step === opts.steps)) {
        log(
          `step ${state.step}/${opts.steps} loss ${loss.toFixed(4)} lr ${lr.toExponential(2)} grad ${gradNorm.toFixed(3)} ${Math.round(tokensPerSecond)} tok/s`,
        );
      }
      if (
        opts.evaluate &&
        opts.evalEvery &&
        (state.step % opts.evalEvery === 0 || state.step === opts.steps)
      ) {
        const values = await opts.evaluate(state.step, model);
        metrics?.write({ kind: 'eval', step: state.step, ...values });
      }
      const due = opts.checkpointEvery !== undefined && state.step % opts.checkpointEvery === 0;
      if (due || state.step === opts.steps || stopSignal) await saveNow();
      if (stopSignal) {
        log(
          `received ${stopSignal}: saved ${checkpoint ?? '(no run folder)'} at step ${state.step}; rerun with resume to continue`,
        );
        break;
      }
    }
  } finally {
    await parallel?.close();
    uninstall();
    metrics?.close();
    if (opts.progress) bar.done();
  }
  return {
    model,
    steps: state.step,
    tokens: state.tokens,
    losses,
    lrs,
    skippedSteps: guard.skipped,
    stoppedBySignal: stopSignal !== null,
    checkpoint,
    seconds: (performance.now() - started) / 1000,
  };
}
