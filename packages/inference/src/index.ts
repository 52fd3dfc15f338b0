// Main entry: no Node built-ins of its own (loadEngine reads files through @agentlm/model and
// @agentlm/tokenizer). The HTTP server lives in '@agentlm/inference/node'.
export { type AssistantDelta, AssistantStream } from './assistant-stream.js';
export { calculatorTool, clockTool, evaluate } from './builtin-tools.js';
export {
  type CacheDType,
  type LatentCacheOptions,
  latentBytesPerToken,
  mhaBytesPerToken,
  PagedLatentCache,
} from './cache.js';
export {
  type AssistantTurn,
  type AssistantTurnOptions,
  assistantTurn,
  type ChatEvent,
  type ChatFormat,
  type ChatMessage,
  type ChatRenderOptions,
  type ChatReply,
  ChatSession,
  type ChatSessionOptions,
  type ParsedAssistant,
  type RenderedPrompt,
} from './chat.js';
export { type YoutuChatFormatOptions, youtuChatFormat } from './chat-format.js';
export { Engine, type EngineOptions, type Prompt, type ServingOptions, Session } from './engine.js';
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
  ToolManifestError,
} from './errors.js';
export { fromModel, type LoadedEngine } from './from-model.js';
export {
  type FinishReason,
  type GeneratedToken,
  type GenerateOptions,
  Generation,
  type GenerationResult,
} from './generate.js';
export type {
  DecodeRequest,
  LanguageModel,
  ModelSequence,
  StepOutput,
  StepWant,
  TokenCodec,
  TopKLogits,
} from './language-model.js';
export { type LoadEngineOptions, loadEngine } from './load.js';
export { MlaLanguageModel, type MlaLanguageModelOptions, MlaSequence } from './mla-model.js';
export { argmax, type ResolvedSampling, resolveSampling, Sampler, type SamplingOptions } from './sampler.js';
export { type AdmitOptions, Scheduler, type SchedulerOptions, StepAborted, Ticket } from './scheduler.js';
export { Histogram, ServingStats } from './stats.js';
export { StopMatcher } from './stop.js';
export { TextStream } from './text-stream.js';
export {
  type BuiltinToolHandler,
  DEFAULT_SCRIPT_TIMEOUT_MS,
  type ManifestTool,
  type ManifestTools,
  type ManifestToolsOptions,
  manifestToolSpecs,
  manifestTools,
  parseToolManifest,
  type ScriptResult,
  type ScriptRunner,
  scriptProgram,
  stringifyToolManifest,
  TOOL_MANIFEST_FILE,
  TOOL_MANIFEST_FORMAT,
  type ToolImplementation,
  type ToolImplementations,
  type ToolManifest,
  type ToolState,
} from './tool-manifest.js';
export {
  type JsonSchema,
  type ToolCall,
  type ToolDefinition,
  type ToolOutcome,
  ToolRegistry,
  type ToolSpec,
} from './tools.js';
