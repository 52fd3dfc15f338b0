export { ContiguousLatentCache, type LatentCache, type LatentRow } from './cache.js';
export {
  configToJSON,
  defaultInitializerRange,
  PRESET_NAMES,
  type PresetName,
  parseConfig,
  presetConfig,
  readConfig,
  type TorchDType,
  type YarnScaling,
  type YoutuConfig,
} from './config.js';
export { CheckpointError, ConfigError, ModelError, ModelInputError, RemoteModelError } from './errors.js';
export { softmaxScale } from './layers/rope.js';
export {
  checkCheckpoint,
  type LoadOptions,
  type LoadProgress,
  loadModel,
  loadModelFromFiles,
  type ModelFiles,
} from './load.js';
export {
  type ForwardOptions,
  type ForwardResult,
  type IncrementalOptions,
  type LossResult,
  YoutuModel,
} from './model.js';
export { type QuantizeOptions, quantizeCheckpoint } from './quantize.js';
export { type QuantizationConfig, quantFormatFor } from './quantized.js';
export { type DownloadOptions, downloadModel } from './remote/download.js';
export { type DownloadProgress, type FetchModelOptions, fetchModelFiles } from './remote/fetch-model.js';
export {
  type OpfsDirectoryHandle,
  type OpfsFileHandle,
  OpfsModelStore,
  type OpfsWritable,
} from './remote/opfs-store.js';
export {
  type CachedModel,
  deleteCachedModel,
  isModelUrl,
  listCachedModels,
  type ModelStore,
  type StoreWriter,
} from './remote/store.js';
export {
  type ByteSource,
  byteSourceOf,
  Checkpoint,
  decodeTensor,
  encodeTensor,
  type SafetensorsDType,
  SafetensorsFile,
  type TensorEntry,
  type TensorToWrite,
  writeCheckpoint,
  writeSafetensors,
} from './safetensors.js';
export { type SaveOptions, saveModel } from './save.js';
export { describeStats, type ModelStats, modelStats, presetTable, type WeightDType } from './stats.js';
export {
  copyTokenizerFiles,
  readTokenizerFacts,
  TOKENIZER_FILES,
  type TokenizerFacts,
} from './tokenizer-files.js';
export { numel, storageDType, type WeightKind, type WeightSpec, weightSpecs } from './weights.js';
