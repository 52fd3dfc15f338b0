export { episodeToMessages, PHASE_HEADERS, SYSTEM_PROMPT, writeThinking } from './cot.js';
export { dedupKey, type SynthesizeOptions, synthesize } from './dataset.js';
export { type GenerateOptions, generateTask, generateTasks } from './domains/index.js';
export { Environment } from './env.js';
export { type EpisodeOptions, runEpisode } from './episode.js';
export { SandboxError, ShardError, SynthError, SynthOptionError, TeacherError } from './errors.js';
export {
  type EvaluateOptions,
  type EvaluationReport,
  type EvaluationScore,
  evaluatePolicy,
} from './evaluate.js';
export { type ChatFormat, youtuFormat } from './format.js';
export { type ChatModel, LocalModelPolicy, type LocalModelPolicyOptions } from './policies/local.js';
export { ScriptedPolicy, type ScriptedPolicyOptions } from './policies/scripted.js';
export { OpenAITeacher, type OpenAITeacherOptions } from './policies/teacher.js';
export type { Policy, PolicySession } from './policy.js';
export type { DomainReport, SynthReport, TokenStats } from './report.js';
export {
  Sandbox,
  type SandboxFailure,
  type SandboxLimits,
  type SandboxResult,
  type SandboxStats,
} from './sandbox.js';
export { listShards, readShard, readTrajectories, type ShardFormat, type ShardKind } from './shards.js';
export type {
  AgentTurn,
  ChatMessage,
  Difficulty,
  Domain,
  Episode,
  EpisodeTurn,
  Expected,
  Observation,
  Phases,
  Task,
  ToolCall,
  ToolSpec,
  Trajectory,
  Usage,
  Verdict,
} from './types.js';
export { DIFFICULTIES, DOMAINS } from './types.js';
export { type CheckOptions, checkAnswer, extractAnswer, formatProblems, verifyEpisode } from './verify.js';
