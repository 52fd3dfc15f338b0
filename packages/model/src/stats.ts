import { type QuantizedDType, storageBytes } from '@agentlm/tensor';
import { PRESET_NAMES, type PresetName, presetConfig, type YoutuConfig } from './config.js';
import { quantFormatFor } from './quantized.js';
import { numel, weightSpecs } from './weights.js';

/** Bytes per element of the storage dtypes the model reads and writes. */
export const BYTES_PER_ELEMENT = { f32: 4, f16: 2, bf16: 2 } as const;
export type WeightDType = keyof typeof BYTES_PER_ELEMENT;

/** Size and cost figures of a config, all derived from its shapes. */
export interface ModelStats {
  /** Stored parameters (the tied head counted once). */
  parameters: number;
  /** Parameters that take part in a matmul per token: everything but the embedding gather and the norms (the head included). */
  matmulParameters: number;
  /** Forward FLOPs per token at `context` attended positions: 2·matmulParameters + 2·L·h·(d_qk + d_v)·context. */
  inferenceFlopsPerToken: number;
  /** Training (forward + backward) FLOPs per token: 3 × the forward at `context`. */
  trainingFlopsPerToken: number;
  /** The context used for the two FLOPs figures. */
  context: number;
  weightBytes: Record<WeightDType, number>;
  /** Weight bytes of the model quantized to q8 / q4 (quantFormatFor: the embedding q8, norms f32). */
  quantizedWeightBytes: Record<QuantizedDType, number>;
  /** MLA latent cache per token: L·(kv_lora_rank + qk_rope_head_dim) values (576·L for the 2B model). */
  kvCacheBytesPerToken: Record<WeightDType, number>;
  /** What an equivalent MHA cache would hold per token: L·2·h·v_head_dim values (SPEC §1's comparison). */
  mhaCacheBytesPerToken: Record<WeightDType, number>;
}

function perDType(values: number): Record<WeightDType, number> {
  return { f32: values * 4, f16: values * 2, bf16: values * 2 };
}

/** Parameter count, FLOPs per token, weight and KV-cache bytes of a config. */
export function modelStats(c: YoutuConfig, context = 2048): ModelStats {
  const specs = weightSpecs(c);
  const parameters = specs.reduce((n, s) => n + numel(s.shape), 0);
  const linear = specs.filter((s) => s.kind === 'linear').reduce((n, s) => n + numel(s.shape), 0);
  const matmulParameters = linear + (c.tieWordEmbeddings ? c.vocabSize * c.hiddenSize : 0);
  const attention =
    2 * c.numHiddenLayers * c.numAttentionHeads * (c.qkNopeHeadDim + c.qkRopeHeadDim + c.vHeadDim) * context;
  const forward = 2 * matmulParameters + attention;
  return {
    parameters,
    matmulParameters,
    inferenceFlopsPerToken: forward,
    trainingFlopsPerToken: 3 * forward,
    context,
    weightBytes: perDType(parameters),
    quantizedWeightBytes: { q8: quantizedBytes(c, 'q8'), q4: quantizedBytes(c, 'q4') },
    kvCacheBytesPerToken: perDType(c.numHiddenLayers * (c.kvLoraRank + c.qkRopeHeadDim)),
    mhaCacheBytesPerToken: perDType(c.numHiddenLayers * 2 * c.numAttentionHeads * c.vHeadDim),
  };
}

function quantizedBytes(c: YoutuConfig, format: QuantizedDType): number {
  return weightSpecs(c).reduce(
    (n, s) => n + storageBytes(numel(s.shape), quantFormatFor(s, format) ?? 'f32'),
    0,
  );
}

function human(n: number, unit = ''): string {
  const steps: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, s] of steps) if (n >= v) return `${(n / v).toPrecision(3)} ${s}${unit}`;
  return `${n} ${unit}`.trim();
}

function humanBytes(n: number): string {
  const steps: [number, string][] = [
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [v, s] of steps) if (n >= v) return `${(n / v).toPrecision(3)} ${s}`;
  return `${n} B`;
}

/** Human-readable rows of a config's stats (used by `agentlm model info` and the README table). */
export function describeStats(s: ModelStats): Record<string, string> {
  return {
    parameters: `${s.parameters.toLocaleString('en-US')} (${human(s.parameters)})`,
    'FLOPs/token (inference)': `${human(s.inferenceFlopsPerToken)} at context ${s.context}`,
    'FLOPs/token (training)': `${human(s.trainingFlopsPerToken)} at context ${s.context}`,
    'weights f32 / bf16 / q8 / q4': [
      s.weightBytes.f32,
      s.weightBytes.bf16,
      s.quantizedWeightBytes.q8,
      s.quantizedWeightBytes.q4,
    ]
      .map(humanBytes)
      .join(' / '),
    'KV cache/token bf16 (MLA vs MHA)': `${humanBytes(s.kvCacheBytesPerToken.bf16)} vs ${humanBytes(s.mhaCacheBytesPerToken.bf16)}`,
  };
}

/** The Markdown table of every preset (the README's table is this function's output). */
export function presetTable(context = 2048): string {
  const head =
    '| preset | d | layers | heads | vocab | parameters | FLOPs/token infer | FLOPs/token train | weights bf16 | KV/token bf16 MLA | KV/token bf16 MHA |';
  const rows = PRESET_NAMES.map((name: PresetName) => {
    const c = presetConfig(name);
    const s = modelStats(c, context);
    return `| ${name} | ${c.hiddenSize} | ${c.numHiddenLayers} | ${c.numAttentionHeads} | ${c.vocabSize} | ${s.parameters.toLocaleString('en-US')} | ${human(s.inferenceFlopsPerToken)} | ${human(s.trainingFlopsPerToken)} | ${humanBytes(s.weightBytes.bf16)} | ${humanBytes(s.kvCacheBytesPerToken.bf16)} | ${humanBytes(s.mhaCacheBytesPerToken.bf16)} |`;
  });
  return [head, `|${' --- |'.repeat(11)}`, ...rows].join('\n');
}
