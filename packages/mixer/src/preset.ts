import { type Curriculum, parseCurriculum, type SourceInput } from './config.js';

export interface YoutuCurriculumOptions {
  /** Tokens in the whole run, split over the stages by `fractions`. */
  totalTokens: number;
  /** Sequence length of the main stages; long-context stages multiply it. Default 512. */
  seqLen?: number;
  seed?: number;
  /** Multipliers of `seqLen` for the long-context stages (the report goes 8k → 32k → 128k). Default [2, 4]. */
  longContext?: number[];
  /**
   * Share of the total for commonsense, STEM, long-context (all of its stages) and agentic stages.
   * Default [0.70, 0.18, 0.08, 0.04], roughly the report's 8.16T / ~2.4T / ~0.6T / 0.2T of ≈11T.
   */
  fractions?: [number, number, number, number];
  /** Trajectory sources for the agentic stage (e.g. synth's JSONL, `format: chat`); default the built-in `agent` generator. */
  agentSources?: SourceInput[];
}

/**
 * The report's curriculum at any scale (SPEC §3): commonsense-heavy (75% general text, warmup then stable),
 * STEM + code raised to 60%, long-context stages with growing sequence length
 * as the learning rate decays, and agentic mid-training with 60% trajectories. The text sources are the
 * built-in generators; swap any source by name in the returned object.
 */
export function youtuCurriculum(options: YoutuCurriculumOptions): Curriculum {
  const seqLen = options.seqLen ?? 512;
  const [fCommon, fStem, fLong, fAgent] = options.fractions ?? [0.7, 0.18, 0.08, 0.04];
  const long = options.longContext ?? [2, 4];
  const budget = (f: number) => Math.max(1, Math.round(options.totalTokens * f));
  const agents = options.agentSources ?? [
    { name: 'agent', domain: 'agent', type: 'generator', generator: 'agent' },
  ];
  const agentWeights = (total: number) =>
    Object.fromEntries(agents.map((a) => [a.name, total / agents.length]));
  const stemMix = { commonsense: 0.4, stem: 0.35, code: 0.25 };
  return parseCurriculum(
    {
      seed: options.seed ?? 0,
      sources: [
        { name: 'commonsense', domain: 'commonsense', type: 'generator', generator: 'commonsense' },
        { name: 'stem', domain: 'stem', type: 'generator', generator: 'stem' },
        { name: 'code', domain: 'code', type: 'generator', generator: 'code' },
        ...agents,
      ],
      stages: [
        {
          name: 'commonsense',
          tokens: budget(fCommon),
          seqLen,
          lr: 'warmup',
          weights: { commonsense: 0.75, stem: 0.13, code: 0.12 },
        },
        { name: 'stem', tokens: budget(fStem), seqLen, lr: 'stable', weights: stemMix },
        ...long.map((m) => ({
          name: `long-${seqLen * m}`,
          tokens: budget(fLong / long.length),
          seqLen: seqLen * m,
          lr: 'decay' as const,
          weights: stemMix,
        })),
        {
          name: 'agentic',
          tokens: budget(fAgent),
          seqLen: seqLen * (long.at(-1) ?? 1),
          lr: 'decay',
          weights: { commonsense: 0.1, stem: 0.15, code: 0.15, ...agentWeights(0.6) },
        },
      ],
    },
    'youtuCurriculum',
  );
}
