import type { Curriculum } from './config.js';

const sharesCache = new WeakMap<Curriculum, Float64Array[]>();

/** A stage's weights normalised to shares (summing to 1), one per source in curriculum order. */
export function stageShares(c: Curriculum, stage: number): Float64Array {
  let table = sharesCache.get(c);
  if (!table) {
    table = c.stages.map((st) => {
      const w = Float64Array.from(c.sources, (s) => st.weights[s.name] ?? 0);
      const total = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / total);
    });
    sharesCache.set(c, table);
  }
  return table[stage].slice();
}

/**
 * Shares at `progress` (0 at the start of the stage, 1 at its end). With `interpolate`, shares move
 * linearly from the previous stage's; `active` drops exhausted sources and renormalises over the rest.
 */
export function sharesAt(c: Curriculum, stage: number, progress: number, active?: boolean[]): Float64Array {
  const end = stageShares(c, stage);
  const out =
    c.stages[stage].interpolate && stage > 0
      ? mixShares(stageShares(c, stage - 1), end, Math.min(1, Math.max(0, progress)))
      : end;
  if (active) {
    let total = 0;
    for (let i = 0; i < out.length; i++) {
      if (!active[i]) out[i] = 0;
      total += out[i];
    }
    if (total > 0) for (let i = 0; i < out.length; i++) out[i] /= total;
  }
  return out;
}

function mixShares(a: Float64Array, b: Float64Array, t: number): Float64Array {
  return a.map((x, i) => x * (1 - t) + b[i] * t);
}

/** What one stage will draw, computed from the config alone. */
export interface StagePlan {
  name: string;
  seqLen: number;
  lr: 'warmup' | 'stable' | 'decay';
  /** Tokens delivered: the budget rounded up to whole sequences. */
  tokens: number;
  sequences: number;
  /** Planned tokens per source (expected value; interpolated stages average their start and end shares). */
  sources: { name: string; domain: string; startShare: number; endShare: number; tokens: number }[];
}

export interface MixPlan {
  totalTokens: number;
  stages: StagePlan[];
  /** Planned share of each domain per stage, for reports. */
  domains: string[];
}

/** The plan of a curriculum: stage sizes and per-source token expectations, without reading any data. */
export function planMix(c: Curriculum): MixPlan {
  const stages = c.stages.map((st, i): StagePlan => {
    const sequences = Math.ceil(st.tokens / st.seqLen);
    const tokens = sequences * st.seqLen;
    const start = sharesAt(c, i, 0);
    const end = sharesAt(c, i, 1);
    return {
      name: st.name,
      seqLen: st.seqLen,
      lr: st.lr,
      tokens,
      sequences,
      sources: c.sources.map((s, j) => ({
        name: s.name,
        domain: s.domain,
        startShare: start[j],
        endShare: end[j],
        tokens: Math.round((tokens * (start[j] + end[j])) / 2),
      })),
    };
  });
  return {
    totalTokens: stages.reduce((a, s) => a + s.tokens, 0),
    stages,
    domains: [...new Set(c.sources.map((s) => s.domain))],
  };
}
