import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { MixerConfigError } from './errors.js';

/** The built-in generators (see generators/); a custom one can be passed to `buildMix` by name. */
export const BUILTIN_GENERATORS = ['commonsense', 'stem', 'code', 'agent'] as const;

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . or -');
const common = {
  name,
  /** Free-form tag used to group sources in reports: commonsense, stem, code, agent, … */
  domain: z.string().min(1).default('general'),
  /** Run the cleaning filters on this source (default: yes for files, no for generators and shards). */
  clean: z.boolean().optional(),
  /** What happens when a finite source runs dry: start over (`cycle`) or drop out of the mix (`stop`). */
  onExhausted: z.enum(['cycle', 'stop']).default('cycle'),
  /** Malformed lines/rows: `skip` (count and report with file:line) or `fail` (throw). Defaults to the curriculum's. */
  onError: z.enum(['skip', 'fail']).optional(),
};
const paths = z.array(z.string().min(1)).min(1);

export const sourceSchema = z.discriminatedUnion('type', [
  z
    .object({
      ...common,
      type: z.literal('text'),
      paths,
      split: z.enum(['file', 'paragraph', 'line']).default('file'),
    })
    .strict(),
  z
    .object({
      ...common,
      type: z.literal('jsonl'),
      paths,
      /** `text`: read `field`; `chat`: read a `messages` array (and `tools`), render with the chat template. */
      format: z.enum(['text', 'chat']).default('text'),
      field: z.string().min(1).default('text'),
      /** Chats whose `verdict.passed` is false (synth's failed trajectories) are skipped unless this is set. */
      keepUnverified: z.boolean().default(false),
    })
    .strict(),
  z
    .object({ ...common, type: z.literal('parquet'), paths, field: z.string().min(1).default('text') })
    .strict(),
  z.object({ ...common, type: z.literal('shards'), paths }).strict(),
  z
    .object({
      ...common,
      type: z.literal('generator'),
      generator: z.string().min(1),
      /** Stop after this many documents (generators are otherwise endless). */
      count: z.number().int().positive().optional(),
    })
    .strict(),
]);

export const stageSchema = z
  .object({
    name,
    /** Tokens this stage delivers (rounded up to whole sequences). */
    tokens: z.number().int().positive(),
    seqLen: z
      .number()
      .int()
      .min(2)
      .max(1 << 24),
    /** Relative weights by source name; missing sources weigh 0. Normalised over the sources still active. */
    weights: z.record(z.string(), z.number().nonnegative()),
    /** Move linearly from the previous stage's weights (at the stage start) to these (at its end). */
    interpolate: z.boolean().default(false),
    /** Learning-rate phase hint for the trainer (warmup-stable-decay). */
    lr: z.enum(['warmup', 'stable', 'decay']).default('stable'),
  })
  .strict();

export const cleaningSchema = z
  .object({
    exactDedup: z.boolean().default(true),
    nearDedup: z
      .object({
        /** MinHash permutations = bands × rows; similar pairs collide with probability 1-(1-J^rows)^bands. */
        bands: z.number().int().positive().default(8),
        rows: z.number().int().positive().default(8),
        /** Words per shingle. */
        shingle: z.number().int().positive().default(5),
      })
      .strict()
      .or(z.literal(false))
      .default(false),
    minChars: z.number().int().nonnegative().default(1),
    maxChars: z.number().int().positive().default(1_000_000),
    /** Reject when more than this fraction of a document's word trigrams are repeats (0.5 = half repeated). */
    maxRepetition: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export const curriculumSchema = z
  .object({
    seed: z.number().int().nonnegative().default(0),
    /** Path of a tokenizer.json (the CLI uses it; the API takes an encoder). */
    tokenizer: z.string().optional(),
    onError: z.enum(['skip', 'fail']).default('skip'),
    cleaning: cleaningSchema.default(cleaningSchema.parse({})),
    sources: z.array(sourceSchema).min(1),
    stages: z.array(stageSchema).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.sources.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['sources', i, 'name'],
          message: `duplicate source name "${s.name}"`,
        });
      names.add(s.name);
    });
    c.stages.forEach((st, i) => {
      let total = 0;
      for (const [src, w] of Object.entries(st.weights)) {
        if (!names.has(src))
          ctx.addIssue({
            code: 'custom',
            path: ['stages', i, 'weights', src],
            message: `unknown source "${src}"`,
          });
        total += w;
      }
      if (total <= 0)
        ctx.addIssue({
          code: 'custom',
          path: ['stages', i, 'weights'],
          message: 'weights must not all be zero',
        });
    });
  });

export type SourceConfig = z.output<typeof sourceSchema>;
/** A source as written in a config (defaults optional). */
export type SourceInput = z.input<typeof sourceSchema>;
export type StageConfig = z.output<typeof stageSchema>;
export type CleaningConfig = z.output<typeof cleaningSchema>;
/** A validated curriculum, defaults filled in. */
export type Curriculum = z.output<typeof curriculumSchema>;
/** What a user writes (defaults optional). */
export type CurriculumInput = z.input<typeof curriculumSchema>;

/**
 * Validates a curriculum object. Every problem is reported at once, each with its path
 * (`curriculum.yaml: stages[1].weights.web: unknown source "web"`). File paths stay as given;
 * `loadCurriculum` resolves them against the config file's folder.
 */
export function parseCurriculum(input: unknown, origin = 'curriculum'): Curriculum {
  const result = curriculumSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw new MixerConfigError(`${origin}: ${lines.join('; ')}`);
  }
  return result.data;
}

/** Reads a curriculum from JSON or YAML (by extension; `.yml`/`.yaml` are YAML) and resolves its paths. */
export function loadCurriculum(file: string): Curriculum {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MixerConfigError(
      `${file}: cannot read curriculum (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new MixerConfigError(
      `${file}: not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(err as Error).message}`,
    );
  }
  return resolvePaths(parseCurriculum(raw, file), dirname(resolve(file)));
}

/** Makes every relative data path (and the tokenizer path) absolute against `base`. */
export function resolvePaths(c: Curriculum, base: string): Curriculum {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...c,
    tokenizer: c.tokenizer === undefined ? undefined : abs(c.tokenizer),
    sources: c.sources.map((s) => ('paths' in s ? { ...s, paths: s.paths.map(abs) } : s)),
  };
}

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}
