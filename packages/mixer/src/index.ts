export { type BuildOptions, type BuildProgress, type BuildResult, buildMix } from './build.js';
export { type FilterCounts, type QualityFilter, repetition, wordHashes } from './clean.js';
export {
  BUILTIN_GENERATORS,
  type CleaningConfig,
  type Curriculum,
  type CurriculumInput,
  curriculumSchema,
  loadCurriculum,
  parseCurriculum,
  resolvePaths,
  type SourceConfig,
  type SourceInput,
  type StageConfig,
} from './config.js';
export { type BatchReaderState, MixDataset, type MixIndex, type PackedBatch } from './dataset.js';
export type {
  ChatDocument,
  ChatMessage,
  MixDocument,
  TextDocument,
  TokenDocument,
  ToolSpec,
} from './document.js';
export { byteEncoder, type EncodedChat, encoderFromTokenizer, type MixerEncoder } from './encoder.js';
export { MixerConfigError, MixerError, MixerFormatError, MixerSourceError } from './errors.js';
export { builtinGenerators, type DocumentGenerator, generateDocument } from './generators/index.js';
export { type MixPlan, planMix, type StagePlan, sharesAt } from './plan.js';
export { type YoutuCurriculumOptions, youtuCurriculum } from './preset.js';
export { Rng } from './random.js';
export { buildReport, type MixReport, reportMarkdown, reportSvg } from './report.js';
export { type PackedSequence, Shard, type ShardHeader } from './shard.js';
export { type MixState, type MixStats, MixStream, type MixStreamOptions } from './stream.js';
export { exportJsonl } from './writers/jsonl.js';
export { exportMegatron, readMegatronIndex } from './writers/megatron.js';
