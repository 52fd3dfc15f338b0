export { type AccumulationPlan, microBatchWeights, planAccumulation } from './accumulate.js';
export {
  type AgentDomainScore,
  type AgentEvalOptions,
  type AgentEvalResult,
  evaluateAgent,
  parseToolCalls,
} from './agent-eval.js';
export {
  type CheckpointInfo,
  type CheckpointManifest,
  CheckpointStore,
  verifyCheckpoint,
} from './checkpoint.js';
export {
  loadTrainConfig,
  parseTrainConfig,
  type TrainConfig,
  type TrainConfigInput,
  trainConfigSchema,
} from './config.js';
export {
  arrayBatchSource,
  type BatchSource,
  type BatchSourceState,
  mixBatchSource,
  shiftBatch,
  stageHintsFromMix,
  type TrainBatch,
} from './data.js';
export { type GreedyDecoder, greedyDecoder } from './decode.js';
export { type DemoOptions, type DemoResult, runDemo, type StageTime } from './demo/pipeline.js';
export { DEMO_SIZES, type DemoSizes } from './demo/sizes.js';
export {
  CheckpointIntegrityError,
  NonFiniteError,
  TrainConfigError,
  TrainerError,
  TrainerMemoryError,
} from './errors.js';
export { type DomainLoss, heldOutLoss, type LossSet } from './eval.js';
export { NonFiniteGuard, type NonFinitePolicy } from './guard.js';
export {
  DEFAULT_OPTIM,
  type OptimSettings,
  TRAINER_STATE_FILE,
  type TrainerState,
  type TrainLoopOptions,
  type TrainResult,
  trainLoop,
} from './loop.js';
export { checkTrainingMemory, estimateTrainingMemory, type MemoryEstimate } from './memory.js';
export { type MetricRecord, MetricsWriter, readMetrics } from './metrics.js';
export { decayFlags, loadOptimizer, OPTIMIZER_FILE, saveOptimizer } from './optimizer.js';
export { type PlotOptions, type PlotSeries, svgLinePlot } from './plot.js';
export type { Precision } from './precision.js';
export { formatProgress, ProgressBar, type ProgressUpdate } from './progress.js';
export { TrainerRng } from './rng.js';
export { type TrainFromConfigOptions, trainFromConfig } from './run-config.js';
export {
  type LrSchedule,
  lrAt,
  type StageHint,
  scheduleSteps,
  validateSchedule,
  type WsdPhase,
  wsdFromStageHints,
} from './schedule.js';
export { installStopOnSignal } from './signals.js';
