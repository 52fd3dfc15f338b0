import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { TrainConfigError } from './errors.js';

const positiveInt = z.number().int().positive();

const optimSchema = z
  .object({
    lr: z.number().positive().default(3e-3),
    minLrRatio: z.number().min(0).max(1).default(0.1),
    warmupSteps: z.number().int().nonnegative().default(10),
    /** wsd follows the data's stage hints (warmup / stable / decay); cosine spans the whole run. */
    schedule: z.enum(['wsd', 'cosine', 'constant']).default('wsd'),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.95),
    eps: z.number().positive().default(1e-8),
    weightDecay: z.number().nonnegative().default(0.1),
    /** Apply weight decay to RMSNorm weights and the embedding too (off by default, as usual). */
    decayNormsAndEmbeddings: z.boolean().default(false),
    /** Global gradient-norm clip; 0 disables. */
    clip: z.number().nonnegative().default(1),
  })
  .strict();

const modelSchema = z.union([
  z
    .object({ preset: z.string().min(1), vocabSize: positiveInt.optional(), seqLen: positiveInt.optional() })
    .strict(),
  /** A config.json to initialise from scratch. */
  z.object({ config: z.string().min(1) }).strict(),
  /** An HF checkpoint folder to continue from (mid-training, SFT). */
  z.object({ init: z.string().min(1) }).strict(),
]);

export const trainConfigSchema = z
  .object({
    /** pretrain counts the loss on every token; midtrain and sft on assistant tokens only. */
    kind: z.enum(['pretrain', 'midtrain', 'sft']),
    out: z.string().min(1),
    seed: z.number().int().nonnegative().default(0),
    backend: z.enum(['auto', 'cpu', 'webgpu']).default('auto'),
    model: modelSchema,
    /** tokenizer.json copied into the checkpoint (defaults to the one in `model.init` or the mix's). */
    tokenizer: z.string().optional(),
    data: z.object({ mix: z.string().min(1) }).strict(),
    batch: z
      .object({
        /** Tokens per optimizer step; reached by gradient accumulation of micro-batches. */
        tokens: positiveInt.default(4096),
        microBatchSequences: positiveInt.default(4),
      })
      .strict()
      .default({ tokens: 4096, microBatchSequences: 4 }),
    /** Optimizer steps; default: one pass over the data. */
    steps: positiveInt.optional(),
    optim: optimSchema.default(optimSchema.parse({})),
    /** Storage precision of the weights in the forward pass; master weights and moments stay f32. */
    precision: z.enum(['f32', 'bf16', 'f16']).default('f32'),
    /** Data-parallel lanes on the cpu backend (main thread + worker threads); `auto`: one per core, at most one per micro-batch. */
    workers: z.union([positiveInt, z.literal('auto')]).default('auto'),
    lossMask: z.enum(['all', 'assistant']).optional(),
    onNonFinite: z.enum(['stop', 'skip']).default('stop'),
    checkpoint: z
      .object({ everySteps: positiveInt.default(100), keepLast: positiveInt.default(3) })
      .strict()
      .default({ everySteps: 100, keepLast: 3 }),
    eval: z
      .object({
        mix: z.string().min(1),
        everySteps: positiveInt.default(50),
        batches: positiveInt.default(4),
      })
      .strict()
      .optional(),
    logEverySteps: positiveInt.default(10),
  })
  .strict();

/** A validated training config with defaults filled in and paths resolved. */
export type TrainConfig = z.output<typeof trainConfigSchema> & { lossMask: 'all' | 'assistant' };
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

function formatPath(path: PropertyKey[]): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') ||
    '(root)'
  );
}

/** Validates a config object; every problem is listed with its path, prefixed by `origin`. */
export function parseTrainConfig(input: unknown, origin = 'train config'): TrainConfig {
  const result = trainConfigSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new TrainConfigError(`${origin}: ${lines.join('; ')}`);
  }
  const c = result.data;
  return { ...c, lossMask: c.lossMask ?? (c.kind === 'pretrain' ? 'all' : 'assistant') };
}

/** Reads a JSON config file and resolves its paths against the file's folder. */
export function loadTrainConfig(file: string): TrainConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TrainConfigError(`${file}: cannot read config (${code ?? (err as Error).message})`);
  }
  const c = parseTrainConfig(raw, file);
  const base = dirname(resolve(file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const model =
    'config' in c.model
      ? { config: abs(c.model.config) }
      : 'init' in c.model
        ? { init: abs(c.model.init) }
        : c.model;
  return {
    ...c,
    out: abs(c.out),
    model,
    tokenizer: c.tokenizer === undefined ? undefined : abs(c.tokenizer),
    data: { mix: abs(c.data.mix) },
    eval: c.eval && { ...c.eval, mix: abs(c.eval.mix) },
  };
}
