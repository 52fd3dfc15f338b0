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
export { CheckpointError, ConfigError, ModelError, ModelInputError } from './errors.js';
export {
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
export { describeStats, type ModelStats, modelStats, presetTable, type WeightDType } from './stats.js';
export {
  copyTokenizerFiles,
  readTokenizerFacts,
  TOKENIZER_FILES,
  type TokenizerFacts,
} from './tokenizer-files.js';
export { numel, type WeightKind, type WeightSpec, weightSpecs } from './weights.js';
