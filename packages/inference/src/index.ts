export { Engine, type EngineOptions, type Prompt, Session } from './engine.js';
export {
  CacheError,
  InferenceError,
  ModelDirError,
  PromptError,
  QueueFullError,
  RequestError,
  SamplingOptionError,
  ShutdownError,
  ToolError,
} from './errors.js';
export {
  type FinishReason,
  type GeneratedToken,
  type GenerateOptions,
  Generation,
  type GenerationResult,
} from './generate.js';
export type { LanguageModel, ModelSequence, TokenCodec } from './language-model.js';
export { argmax, type ResolvedSampling, resolveSampling, Sampler, type SamplingOptions } from './sampler.js';
export { Scheduler, Ticket } from './scheduler.js';
export { StopMatcher } from './stop.js';
export { TextStream } from './text-stream.js';
