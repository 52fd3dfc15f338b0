import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import type { QuantizationConfig } from './quantized.js';

/** YaRN context extension as DeepSeek-V2/V3 define it (HF `rope_scaling` / `rope_parameters` with type yarn). */
export interface YarnScaling {
  type: 'yarn';
  factor: number;
  originalMaxPositionEmbeddings: number;
  betaFast: number;
  betaSlow: number;
  /** null when absent; with mscaleAllDim it sets the cos/sin attention factor mscale(f, mscale)/mscale(f, mscaleAllDim). */
  mscale: number | null;
  /** null when absent; when set, the softmax scale gains m² with m = 0.1·mscaleAllDim·ln(factor) + 1. */
  mscaleAllDim: number | null;
  /** An explicit cos/sin attention factor overriding the one derived from mscale; null when absent. */
  attentionFactor: number | null;
}

/** Storage dtype a checkpoint declares (`torch_dtype`). */
export type TorchDType = 'float32' | 'float16' | 'bfloat16';

/** The Youtu model configuration (HF `model_type: "youtu"`, SPEC §1), with camelCase names. */
export interface YoutuConfig {
  modelType: 'youtu' | 'youtu_llm';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Carried for HF compatibility; MLA ignores it. */
  numKeyValueHeads: number;
  /** null: a plain q_proj; otherwise the width of the q_a_proj bottleneck. */
  qLoraRank: number | null;
  kvLoraRank: number;
  qkNopeHeadDim: number;
  qkRopeHeadDim: number;
  vHeadDim: number;
  hiddenAct: 'silu';
  rmsNormEps: number;
  maxPositionEmbeddings: number;
  ropeTheta: number;
  /** null: default RoPE. */
  ropeScaling: YarnScaling | null;
  ropeInterleave: boolean;
  tieWordEmbeddings: boolean;
  bosTokenId: number | null;
  eosTokenId: number | number[] | null;
  padTokenId: number | null;
  initializerRange: number;
  embeddingInitializerRange: number;
  torchDtype: TorchDType;
  /** `quantization_config` of a checkpoint stored quantized (agentlm's q8/q4, see quantized.ts); absent otherwise. */
  quantization?: QuantizationConfig;
}

type Json = Record<string, unknown>;

/** The largest dimension or count a config may give. */
const MAX_DIMENSION = 2 ** 31 - 1;

/** Reads fields of one JSON object with uniform, field-naming errors. */
class FieldReader {
  constructor(
    readonly file: string,
    readonly obj: Json,
    readonly prefix = '',
  ) {}

  private fail(key: string, what: string): never {
    throw new ConfigError(this.file, this.prefix + key, `${what}, got ${JSON.stringify(this.obj[key])}`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  positiveInt(key: string, fallback?: number): number {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(key, 'must be a positive integer');
    // sizes beyond 2^31 - 1 are corruption, not models: they would reach array allocations as RangeErrors
    if (v > MAX_DIMENSION) this.fail(key, `must be at most ${MAX_DIMENSION}`);
    return v;
  }

  positiveNumber(key: string, fallback?: number): number {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) this.fail(key, 'must be a positive number');
    return v;
  }

  optionalPositiveNumber(key: string): number | null {
    return this.has(key) ? this.positiveNumber(key) : null;
  }

  optionalTokenId(key: string, fallback: number | null): number | null {
    const v = this.obj[key] === undefined ? fallback : this.obj[key];
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      this.fail(key, 'must be a non-negative integer or null');
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.obj[key] ?? fallback;
    if (typeof v !== 'boolean') this.fail(key, 'must be true or false');
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.obj[key] ?? fallback;
    if (!allowed.includes(v as T))
      this.fail(key, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return v as T;
  }
}

function parseYarn(r: FieldReader, maxPositionEmbeddings: number): YarnScaling {
  const yarn: YarnScaling = {
    type: 'yarn',
    factor: r.positiveNumber('factor'),
    originalMaxPositionEmbeddings: r.positiveInt('original_max_position_embeddings', maxPositionEmbeddings),
    betaFast: r.positiveNumber('beta_fast', 32),
    betaSlow: r.positiveNumber('beta_slow', 1),
    mscale: r.optionalPositiveNumber('mscale'),
    mscaleAllDim: r.optionalPositiveNumber('mscale_all_dim'),
    attentionFactor: r.optionalPositiveNumber('attention_factor'),
  };
  if (yarn.factor < 1) throw new ConfigError(r.file, `${r.prefix}factor`, `must be >= 1, got ${yarn.factor}`);
  if (yarn.betaFast <= yarn.betaSlow) {
    throw new ConfigError(
      r.file,
      `${r.prefix}beta_fast`,
      `must exceed beta_slow (${yarn.betaSlow}), got ${yarn.betaFast}`,
    );
  }
  return yarn;
}

/** Reads rope_theta and the scaling block from `rope_parameters` (new HF) or `rope_theta` + `rope_scaling` (legacy). */
function parseRope(
  r: FieldReader,
  maxPositionEmbeddings: number,
): { theta: number; scaling: YarnScaling | null } {
  const key = r.has('rope_parameters') ? 'rope_parameters' : 'rope_scaling';
  const block = r.obj[key];
  if (block !== undefined && block !== null && (typeof block !== 'object' || Array.isArray(block))) {
    throw new ConfigError(r.file, key, `must be an object or null, got ${JSON.stringify(block)}`);
  }
  const b = new FieldReader(r.file, (block ?? {}) as Json, `${key}.`);
  const theta = b.has('rope_theta') ? b.positiveNumber('rope_theta') : r.positiveNumber('rope_theta', 10000);
  const typeKey = b.has('rope_type') ? 'rope_type' : 'type';
  const type = b.oneOf(typeKey, ['default', 'yarn'] as const, 'default');
  return { theta, scaling: type === 'yarn' ? parseYarn(b, maxPositionEmbeddings) : null };
}

/**
 * `quantization_config`: agentlm's own block formats only (a GPTQ or AWQ checkpoint is refused here, by name,
 * rather than failing later on tensors it cannot read).
 */
function parseQuantization(r: FieldReader): QuantizationConfig | null {
  const block = r.obj.quantization_config;
  if (block === undefined || block === null) return null;
  if (typeof block !== 'object' || Array.isArray(block)) {
    throw new ConfigError(r.file, 'quantization_config', `must be an object, got ${JSON.stringify(block)}`);
  }
  const q = new FieldReader(r.file, block as Json, 'quantization_config.');
  q.oneOf('quant_method', ['agentlm'] as const, 'agentlm');
  const format = q.oneOf('format', ['q8', 'q4'] as const, 'q8');
  const groupSize = q.positiveInt('group_size', 32);
  if (groupSize !== 32)
    throw new ConfigError(r.file, 'quantization_config.group_size', `must be 32, got ${groupSize}`);
  return { format, groupSize };
}

/** The default initializer_range of HF YoutuConfig: 2/sqrt(5·d). */
export function defaultInitializerRange(hiddenSize: number): number {
  return 2 / Math.sqrt(5 * hiddenSize);
}

/**
 * Parses and validates a config.json object. Both `model_type` names (`youtu`, legacy `youtu_llm`) are accepted;
 * every dimension is read from the file, falling back to the Youtu-LLM-2B value when absent.
 */
export function parseConfig(json: unknown, file = 'config.json'): YoutuConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(file, '(root)', `must be a JSON object, got ${JSON.stringify(json)}`);
  }
  const r = new FieldReader(file, json as Json);
  const d = YOUTU_2B_HF;
  const hiddenSize = r.positiveInt('hidden_size', d.hidden_size);
  const maxPositionEmbeddings = r.positiveInt('max_position_embeddings', d.max_position_embeddings);
  const rope = parseRope(r, maxPositionEmbeddings);
  const numAttentionHeads = r.positiveInt('num_attention_heads', d.num_attention_heads);
  const qkRopeHeadDim = r.positiveInt('qk_rope_head_dim', d.qk_rope_head_dim);
  if (qkRopeHeadDim % 2 !== 0)
    throw new ConfigError(file, 'qk_rope_head_dim', `must be even, got ${qkRopeHeadDim}`);
  const eos = (json as Json).eos_token_id;
  const eosTokenId = Array.isArray(eos)
    ? eos.map((_, i) => new FieldReader(file, eos as unknown as Json, 'eos_token_id.').positiveInt(String(i)))
    : r.optionalTokenId('eos_token_id', d.eos_token_id);
  const initializerRange = r.has('initializer_range')
    ? r.positiveNumber('initializer_range')
    : defaultInitializerRange(hiddenSize);
  const config: YoutuConfig = {
    modelType: r.oneOf('model_type', ['youtu', 'youtu_llm'] as const, 'youtu'),
    vocabSize: r.positiveInt('vocab_size', d.vocab_size),
    hiddenSize,
    intermediateSize: r.positiveInt('intermediate_size', d.intermediate_size),
    numHiddenLayers: r.positiveInt('num_hidden_layers', d.num_hidden_layers),
    numAttentionHeads,
    numKeyValueHeads: r.positiveInt('num_key_value_heads', numAttentionHeads),
    qLoraRank: r.has('q_lora_rank')
      ? r.positiveInt('q_lora_rank')
      : (json as Json).q_lora_rank === null
        ? null
        : d.q_lora_rank,
    kvLoraRank: r.positiveInt('kv_lora_rank', d.kv_lora_rank),
    qkNopeHeadDim: r.positiveInt('qk_nope_head_dim', d.qk_nope_head_dim),
    qkRopeHeadDim,
    vHeadDim: r.positiveInt('v_head_dim', d.v_head_dim),
    hiddenAct: r.oneOf('hidden_act', ['silu'] as const, 'silu'),
    rmsNormEps: r.positiveNumber('rms_norm_eps', d.rms_norm_eps),
    maxPositionEmbeddings,
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    ropeInterleave: r.boolean('rope_interleave', true),
    tieWordEmbeddings: r.boolean('tie_word_embeddings', true),
    bosTokenId: r.optionalTokenId('bos_token_id', d.bos_token_id),
    eosTokenId,
    padTokenId: r.optionalTokenId('pad_token_id', null),
    initializerRange,
    embeddingInitializerRange: r.has('embedding_initializer_range')
      ? r.positiveNumber('embedding_initializer_range')
      : 2 * initializerRange,
    torchDtype: r.oneOf('torch_dtype', ['float32', 'float16', 'bfloat16'] as const, 'bfloat16'),
  };
  const quantization = parseQuantization(r);
  if (quantization !== null) config.quantization = quantization;
  if ((json as Json).attention_bias === true) {
    throw new ConfigError(
      file,
      'attention_bias',
      'must be false (Youtu linear layers have no bias), got true',
    );
  }
  return config;
}

/** Reads and validates `<dir>/config.json`. */
export async function readConfig(dir: string): Promise<YoutuConfig> {
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '(file)', `cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '(file)', `is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(json, file);
}

/**
 * The HF config.json object for a config: loads in `transformers` as YoutuForCausalLM. RoPE is written in the
 * legacy form (`rope_theta` + `rope_scaling`), which every transformers version with the youtu type reads.
 */
export function configToJSON(c: YoutuConfig): Record<string, unknown> {
  const s = c.ropeScaling;
  return {
    architectures: ['YoutuForCausalLM'],
    model_type: 'youtu',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    q_lora_rank: c.qLoraRank,
    kv_lora_rank: c.kvLoraRank,
    qk_nope_head_dim: c.qkNopeHeadDim,
    qk_rope_head_dim: c.qkRopeHeadDim,
    v_head_dim: c.vHeadDim,
    hidden_act: c.hiddenAct,
    rms_norm_eps: c.rmsNormEps,
    max_position_embeddings: c.maxPositionEmbeddings,
    rope_theta: c.ropeTheta,
    rope_scaling:
      s === null
        ? null
        : {
            type: 'yarn',
            factor: s.factor,
            original_max_position_embeddings: s.originalMaxPositionEmbeddings,
            beta_fast: s.betaFast,
            beta_slow: s.betaSlow,
            ...(s.mscale === null ? {} : { mscale: s.mscale }),
            ...(s.mscaleAllDim === null ? {} : { mscale_all_dim: s.mscaleAllDim }),
            ...(s.attentionFactor === null ? {} : { attention_factor: s.attentionFactor }),
          },
    rope_interleave: c.ropeInterleave,
    attention_bias: false,
    attention_dropout: 0.0,
    tie_word_embeddings: c.tieWordEmbeddings,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
    pad_token_id: c.padTokenId,
    initializer_range: c.initializerRange,
    embedding_initializer_range: c.embeddingInitializerRange,
    use_cache: true,
    torch_dtype: c.torchDtype,
    ...(c.quantization === undefined
      ? {}
      : {
          quantization_config: {
            quant_method: 'agentlm',
            format: c.quantization.format,
            group_size: c.quantization.groupSize,
          },
        }),
  };
}

/** Youtu-LLM-2B's config.json values (SPEC §1); the defaults of every absent field. */
const YOUTU_2B_HF = {
  vocab_size: 128256,
  hidden_size: 2048,
  intermediate_size: 6144,
  num_hidden_layers: 32,
  num_attention_heads: 16,
  q_lora_rank: 1536,
  kv_lora_rank: 512,
  qk_nope_head_dim: 128,
  qk_rope_head_dim: 64,
  v_head_dim: 128,
  rms_norm_eps: 1e-6,
  max_position_embeddings: 131072,
  rope_theta: 1.6e6,
  bos_token_id: 128000,
  eos_token_id: 128001,
} as const;

/** Names of the built-in shapes: the real 2B model and small same-architecture models for this machine. */
export type PresetName = 'youtu-2b' | 'nano' | 'micro' | 'small';

/**
 * Small presets keep the 2B proportions (MLA with a q bottleneck of 3d/4, latent d/4 or more, SwiGLU 3d,
 * rope head dim half the nope head dim, tied head) at widths this machine can train.
 */
const PRESETS: Record<PresetName, Json> = {
  'youtu-2b': { ...YOUTU_2B_HF },
  nano: {
    vocab_size: 2048,
    hidden_size: 128,
    intermediate_size: 384,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    q_lora_rank: 96,
    kv_lora_rank: 64,
    qk_nope_head_dim: 32,
    qk_rope_head_dim: 16,
    v_head_dim: 32,
    max_position_embeddings: 1024,
    rope_theta: 10000,
  },
  micro: {
    vocab_size: 8192,
    hidden_size: 256,
    intermediate_size: 768,
    num_hidden_layers: 8,
    num_attention_heads: 8,
    q_lora_rank: 192,
    kv_lora_rank: 128,
    qk_nope_head_dim: 32,
    qk_rope_head_dim: 16,
    v_head_dim: 32,
    max_position_embeddings: 2048,
    rope_theta: 10000,
  },
  small: {
    vocab_size: 8192,
    hidden_size: 768,
    intermediate_size: 2304,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    q_lora_rank: 576,
    kv_lora_rank: 192,
    qk_nope_head_dim: 64,
    qk_rope_head_dim: 32,
    v_head_dim: 64,
    max_position_embeddings: 4096,
    rope_theta: 100000,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/**
 * A preset config; `overrides` are HF config.json fields (snake_case) applied on top, e.g. `{ vocab_size: 4096 }`
 * to match a trained tokenizer. The result is validated like a file.
 */
export function presetConfig(name: PresetName, overrides: Record<string, unknown> = {}): YoutuConfig {
  const preset = PRESETS[name];
  if (preset === undefined) {
    throw new ConfigError(
      'preset',
      'name',
      `must be one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  return parseConfig({ model_type: 'youtu', ...preset, ...overrides }, `preset ${name}`);
}
