import { TOPK_MAX_K } from '@agentlm/tensor';
import { SamplingOptionError } from './errors.js';
import type { TopKLogits } from './language-model.js';
import { Rng, randomSeed } from './rng.js';

/**
 * How the next token is chosen from the logits. Defaults leave the distribution untouched
 * (temperature 1, no truncation, no penalties); `temperature: 0` is greedy decoding.
 */
export interface SamplingOptions {
  /** 0 = greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 = off. */
  topK?: number;
  /** Keep the smallest set of tokens whose probability sums to at least p; 1 = off. */
  topP?: number;
  /** Drop tokens whose probability is below minP × the top probability; 0 = off. */
  minP?: number;
  /** HF/CTRL repetition penalty over prompt and generated tokens: positive logits ÷ p, negative × p; 1 = off. */
  repetitionPenalty?: number;
  /** OpenAI presence penalty: subtract once from every token already generated; 0 = off. */
  presencePenalty?: number;
  /** OpenAI frequency penalty: subtract count × f from every token already generated; 0 = off. */
  frequencyPenalty?: number;
  /** Added to a token's logit before anything else (OpenAI `logit_bias`); -Infinity bans a token. */
  logitBias?: Record<number, number> | Map<number, number>;
  /** Seed of the sampling RNG: the same seed, model and prompt give the same tokens. Random when absent. */
  seed?: number;
}

/** The sampling options after validation and defaults. */
export interface ResolvedSampling {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repetitionPenalty: number;
  presencePenalty: number;
  frequencyPenalty: number;
  logitBias: Map<number, number>;
  seed: number;
}

/** Validates sampling options (errors name the option and value) and fills in defaults. */
export function resolveSampling(opts: SamplingOptions = {}, vocabSize?: number): ResolvedSampling {
  const num = (name: keyof SamplingOptions, fallback: number, ok: (v: number) => boolean, req: string) => {
    const v = opts[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new SamplingOptionError(name, v, req);
    return v;
  };
  const bias = new Map<number, number>();
  const rawBias = opts.logitBias ?? {};
  const entries =
    rawBias instanceof Map ? [...rawBias] : Object.entries(rawBias).map(([k, v]) => [Number(k), v]);
  for (const [id, b] of entries) {
    const inRange = Number.isInteger(id) && id >= 0 && (vocabSize === undefined || id < vocabSize);
    if (!inRange) throw new SamplingOptionError('logitBias', id, `keys must be token ids below ${vocabSize}`);
    if (typeof b !== 'number' || Number.isNaN(b) || b === Number.POSITIVE_INFINITY) {
      throw new SamplingOptionError(`logitBias[${id}]`, b, 'must be a number or -Infinity');
    }
    bias.set(id as number, b as number);
  }
  return {
    temperature: num('temperature', 1, (v) => v >= 0, 'must be a number >= 0'),
    topK: num('topK', 0, (v) => Number.isInteger(v) && v >= 0, 'must be an integer >= 0'),
    topP: num('topP', 1, (v) => v > 0 && v <= 1, 'must be in (0, 1]'),
    minP: num('minP', 0, (v) => v >= 0 && v < 1, 'must be in [0, 1)'),
    repetitionPenalty: num('repetitionPenalty', 1, (v) => v > 0, 'must be > 0'),
    presencePenalty: num('presencePenalty', 0, () => true, 'must be a finite number'),
    frequencyPenalty: num('frequencyPenalty', 0, () => true, 'must be a finite number'),
    logitBias: bias,
    seed: num('seed', randomSeed(), (v) => Number.isInteger(v) && v >= 0, 'must be an integer >= 0'),
  };
}

/**
 * Chooses tokens from host-side logits, one call per step. Stateful: it remembers the context for the
 * penalties and owns the seeded RNG, so one Sampler serves one generation.
 *
 * Device seams: `needsFullLogits` is false for plain greedy decoding (no bias, no penalties), where an
 * engine may compute the argmax on the device and skip reading the whole vocabulary back; `deviceTopK`
 * is k for top-k sampling (k <= 256, no bias, no penalties), where the engine may read back only the k
 * best logits and `sampleTopK` finishes on them with the same tokens as `sample` on the whole row.
 */
export class Sampler {
  readonly options: ResolvedSampling;
  private readonly rng: Rng;
  /** Tokens seen in the prompt and generated so far (repetition penalty). */
  private readonly seen = new Set<number>();
  /** How often each token was generated (presence / frequency penalties). */
  private readonly generatedCounts = new Map<number, number>();

  constructor(
    options: SamplingOptions = {},
    private readonly vocabSize?: number,
  ) {
    this.options = resolveSampling(options, vocabSize);
    this.rng = new Rng(this.options.seed);
  }

  get needsFullLogits(): boolean {
    return !(this.options.temperature === 0 && this.unadjusted);
  }

  /**
   * The k of a device-side top-k pick (`ModelSequence.appendTopK`), or 0 when sampling needs the whole
   * row: greedy, no top-k, k above 256, a logit bias or a penalty. Capped at the vocabulary size.
   */
  get deviceTopK(): number {
    const o = this.options;
    if (o.temperature === 0 || o.topK === 0 || o.topK > TOPK_MAX_K || !this.unadjusted) return 0;
    return Math.min(o.topK, this.vocabSize ?? o.topK);
  }

  /** No logit bias and no penalties: the logits are sampled as the model gave them. */
  private get unadjusted(): boolean {
    const o = this.options;
    return (
      o.logitBias.size === 0 &&
      o.repetitionPenalty === 1 &&
      o.presencePenalty === 0 &&
      o.frequencyPenalty === 0
    );
  }

  /** Records the prompt (for the repetition penalty). */
  observePrompt(ids: Iterable<number>): void {
    for (const id of ids) this.seen.add(id);
  }

  /** Records a generated token (for all penalties). */
  observe(id: number): void {
    this.seen.add(id);
    this.generatedCounts.set(id, (this.generatedCounts.get(id) ?? 0) + 1);
  }

  /** Picks the next token; `logits` is not modified. Call `observe` with the chosen id afterwards. */
  sample(logits: Float32Array): number {
    const adjusted = this.adjust(logits);
    const o = this.options;
    if (o.temperature === 0) return argmax(adjusted);
    const ids =
      o.topK > 0 && o.topK < adjusted.length ? topKIndices(adjusted, o.topK) : sortedFiniteIndices(adjusted);
    return this.draw(
      ids,
      Float32Array.from(ids, (id) => adjusted[id] as number),
    );
  }

  /**
   * Picks the next token from the `deviceTopK` best logits (largest first, ties by lower id, no NaN):
   * the same token `sample` picks from the whole row, and the same RNG draw.
   */
  sampleTopK(best: TopKLogits): number {
    let finite = 0;
    while (finite < best.values.length && (best.values[finite] as number) > Number.NEGATIVE_INFINITY)
      finite++;
    return this.draw(best.ids.subarray(0, finite), best.values.subarray(0, finite));
  }

  /** The seeded draw among candidate ids, most likely first, with their logits. */
  private draw(ids: Uint32Array | Int32Array, logits: Float32Array): number {
    const probs = this.truncatedDistribution(ids, logits);
    let u = this.rng.next() * probs.total;
    for (let i = 0; i < probs.ids.length; i++) {
      u -= probs.weights[i] as number;
      if (u < 0) return probs.ids[i] as number;
    }
    return probs.ids[probs.ids.length - 1] as number;
  }

  /** Logit bias, then the penalties (HF order); returns a copy only when something changes. */
  private adjust(logits: Float32Array): Float32Array {
    const o = this.options;
    const penalise = o.repetitionPenalty !== 1 || o.presencePenalty !== 0 || o.frequencyPenalty !== 0;
    if (o.logitBias.size === 0 && !penalise) return logits;
    const out = new Float32Array(logits);
    for (const [id, b] of o.logitBias) out[id] = (out[id] as number) + b;
    if (o.repetitionPenalty !== 1) {
      for (const id of this.seen) {
        const v = out[id] as number;
        out[id] = v > 0 ? v / o.repetitionPenalty : v * o.repetitionPenalty;
      }
    }
    for (const [id, count] of this.generatedCounts) {
      out[id] = (out[id] as number) - o.presencePenalty - count * o.frequencyPenalty;
    }
    return out;
  }

  /**
   * Temperature, top-p and min-p over the top-k (or all finite) candidates, most likely first, with
   * their logits: the surviving ids and unnormalised weights.
   */
  private truncatedDistribution(
    ids: Uint32Array | Int32Array,
    logits: Float32Array,
  ): {
    ids: Uint32Array | Int32Array;
    weights: Float64Array;
    total: number;
  } {
    const o = this.options;
    if (ids.length === 0)
      throw new SamplingOptionError('logitBias', 'all tokens', 'must leave a token allowed');
    const maxLogit = logits[0] as number;
    const weights = new Float64Array(ids.length);
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const w = Math.exp(((logits[i] as number) - maxLogit) / o.temperature);
      weights[i] = w;
      total += w;
    }
    let keep = ids.length;
    if (o.topP < 1) {
      // Smallest prefix (sorted by probability) whose mass reaches topP; always at least one token.
      let mass = 0;
      for (let i = 0; i < keep; i++) {
        mass += weights[i] as number;
        if (mass >= o.topP * total) {
          keep = i + 1;
          break;
        }
      }
    }
    if (o.minP > 0) {
      // weights[0] is the top probability (unnormalised: exp(0) = 1).
      const floor = o.minP * (weights[0] as number);
      let k = 1;
      while (k < keep && (weights[k] as number) >= floor) k++;
      keep = k;
    }
    let kept = 0;
    for (let i = 0; i < keep; i++) kept += weights[i] as number;
    return { ids: ids.subarray(0, keep), weights: weights.subarray(0, keep), total: kept };
  }
}

/** Index of the largest value; the lowest index wins ties, so greedy decoding is deterministic. */
export function argmax(values: Float32Array): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** The k largest finite logits, largest first (ties: lower id first), via a size-k min-heap: O(V log k). */
function topKIndices(logits: Float32Array, k: number): Uint32Array {
  const heap = new Uint32Array(k);
  let size = 0;
  // "a ranks below b": smaller logit, or equal logit and larger id.
  const below = (a: number, b: number) => {
    const la = logits[a] as number;
    const lb = logits[b] as number;
    return la < lb || (la === lb && a > b);
  };
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && below(heap[l] as number, heap[m] as number)) m = l;
      if (r < size && below(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      const t = heap[i] as number;
      heap[i] = heap[m] as number;
      heap[m] = t;
      i = m;
    }
  };
  for (let id = 0; id < logits.length; id++) {
    if (!((logits[id] as number) > Number.NEGATIVE_INFINITY)) continue;
    if (size < k) {
      let i = size++;
      heap[i] = id;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!below(heap[i] as number, heap[p] as number)) break;
        const t = heap[i] as number;
        heap[i] = heap[p] as number;
        heap[p] = t;
        i = p;
      }
    } else if (below(heap[0] as number, id)) {
      heap[0] = id;
      siftDown(0);
    }
  }
  return sortByLogit(heap.slice(0, size), logits);
}

function sortedFiniteIndices(logits: Float32Array): Uint32Array {
  let n = 0;
  const ids = new Uint32Array(logits.length);
  for (let id = 0; id < logits.length; id++)
    if ((logits[id] as number) > Number.NEGATIVE_INFINITY) ids[n++] = id;
  return sortByLogit(ids.subarray(0, n), logits);
}

function sortByLogit(ids: Uint32Array, logits: Float32Array): Uint32Array {
  return ids.sort((a, b) => (logits[b] as number) - (logits[a] as number) || a - b);
}
