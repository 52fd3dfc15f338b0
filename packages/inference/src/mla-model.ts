import type { YoutuConfig, YoutuModel } from '@agentlm/model';
import { argmax, type Tensor, topk } from '@agentlm/tensor';
import {
  type CacheDType,
  type LatentCacheOptions,
  latentBytesPerToken,
  mhaBytesPerToken,
  PagedLatentCache,
} from './cache.js';
import { CacheError, InferenceError } from './errors.js';
import type {
  DecodeRequest,
  LanguageModel,
  ModelSequence,
  StepOutput,
  StepWant,
  TopKLogits,
} from './language-model.js';
import { argmax as hostArgmax } from './sampler.js';

export interface MlaLanguageModelOptions extends LatentCacheOptions {
  /** Name reported by the server; default `youtu`. */
  name?: string;
  /** Context limit per sequence; default the model's max_position_embeddings. */
  contextLength?: number;
}

/**
 * A loaded Youtu model as a `LanguageModel`: each sequence owns a latent KV cache; several tokens
 * run as a prefill (expanded K/V, batched matmuls), one token as an absorbed decode step over the
 * latent (one shared KV head). Logits come back to the host as Float32Array for the sampler, or, for greedy
 * decoding on a device-resident backend (WebGPU), only their argmax, and for top-k sampling only the k best.
 */
export class MlaLanguageModel implements LanguageModel {
  readonly name: string;
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly eosTokenIds: readonly number[];
  readonly cacheOptions: LatentCacheOptions;

  constructor(
    readonly model: YoutuModel,
    options: MlaLanguageModelOptions = {},
  ) {
    const c = model.config;
    this.name = options.name ?? 'youtu';
    this.vocabSize = c.vocabSize;
    this.contextLength = Math.min(options.contextLength ?? c.maxPositionEmbeddings, c.maxPositionEmbeddings);
    this.eosTokenIds =
      c.eosTokenId === null ? [] : Array.isArray(c.eosTokenId) ? c.eosTokenId : [c.eosTokenId];
    this.cacheOptions = {
      dtype: options.dtype ?? 'f32',
      chunkTokens: options.chunkTokens,
      maxTokens: this.contextLength,
    };
  }

  get config(): YoutuConfig {
    return this.model.config;
  }

  /** Latent cache bytes per token, and the MHA equivalent (SPEC §1: 7.1× more for the 2B shape). */
  cacheBytesPerToken(dtype: CacheDType = this.cacheOptions.dtype ?? 'f32'): { latent: number; mha: number } {
    return { latent: latentBytesPerToken(this.config, dtype), mha: mhaBytesPerToken(this.config, dtype) };
  }

  newSequence(): MlaSequence {
    return new MlaSequence(
      this.model,
      new PagedLatentCache(this.config, this.model.backend, this.cacheOptions),
    );
  }

  cacheBytes(tokens: number): number {
    return PagedLatentCache.reservedBytes(this.config, this.cacheOptions, tokens);
  }

  /**
   * One absorbed decode step over every request's sequence (`YoutuModel.decodeBatch`: the weights read once for
   * the batch), then each row read back as its request wants it.
   */
  async decodeBatch(requests: readonly DecodeRequest[]): Promise<StepOutput[]> {
    const sequences = requests.map(({ sequence }) => {
      if (!(sequence instanceof MlaSequence) || sequence.model !== this.model) {
        throw new InferenceError('decodeBatch: every sequence must come from this model', 'FOREIGN_SEQUENCE');
      }
      return sequence;
    });
    const logits = decodeLogits(
      this.model,
      sequences,
      requests.map((r) => r.id),
    );
    try {
      return await readRows(
        logits,
        requests.map((r) => r.want),
      );
    } finally {
      logits.dispose();
    }
  }
}

/** Logits [B, vocab] of one decode step over the sequences, each within its context limit. */
function decodeLogits(model: YoutuModel, sequences: readonly MlaSequence[], ids: readonly number[]): Tensor {
  for (const s of sequences) s.checkRoom(1);
  return model.decodeBatch(
    ids,
    sequences.map((s) => s.cache),
  );
}

/**
 * Each row of logits [B, vocab] as `wants[b]` asks. A host backend's rows are already in memory (row and argmax
 * straight from there); on a device only what is needed comes back: the rows' argmax ids, their k best (one
 * topk at the largest k; a smaller k is its prefix), and whole rows only for requests that need them or whose
 * k best hold a NaN (the sampler then treats NaN exactly as on the host path).
 */
async function readRows(logits: Tensor, wants: readonly StepWant[]): Promise<StepOutput[]> {
  const vocab = logits.shape[1] as number;
  const rowOf = (data: Float32Array, b: number) => data.subarray(b * vocab, (b + 1) * vocab);
  const host = logits.backend.readSync !== undefined ? (logits.dataSync() as Float32Array) : null;
  const kMax = Math.max(0, ...wants.map((w) => (typeof w === 'object' ? w.topK : 0)));
  const best = kMax > 0 ? topk(logits, kMax) : null;
  const greedy = host === null && wants.includes('greedy') ? argmax(logits) : null;
  try {
    const [values, indices, ids] = (await Promise.all([
      best?.values.data(),
      best?.indices.data(),
      greedy?.data(),
    ])) as [Float32Array | undefined, Int32Array | undefined, Int32Array | undefined];
    let rows = host;
    const row = async (b: number) => {
      rows ??= (await logits.data()) as Float32Array;
      return Float32Array.from(rowOf(rows, b));
    };
    return await Promise.all(
      wants.map(async (w, b) => {
        if (w === 'greedy')
          return host === null ? ((ids as Int32Array)[b] as number) : hostArgmax(rowOf(host, b));
        if (w === 'logits') return row(b);
        const picked = (values as Float32Array).slice(b * kMax, b * kMax + w.topK);
        if (picked.some(Number.isNaN)) return row(b);
        return { values: picked, ids: (indices as Int32Array).slice(b * kMax, b * kMax + w.topK) };
      }),
    );
  } finally {
    for (const t of [best?.values, best?.indices, greedy]) t?.dispose();
  }
}

/** One sequence on an MLA model: its latent cache plus the step logic. */
export class MlaSequence implements ModelSequence {
  constructor(
    readonly model: YoutuModel,
    readonly cache: PagedLatentCache,
  ) {}

  get length(): number {
    return this.cache.length(0);
  }

  append(ids: readonly number[]): Promise<Float32Array> {
    return this.step(ids, 'logits') as Promise<Float32Array>;
  }

  /**
   * The argmax of the logits after `ids`. On a device-resident backend it runs there and 4 bytes come back;
   * on the host (cpu) the logits are already in memory and the host argmax is as fast.
   */
  appendGreedy(ids: readonly number[]): Promise<number> {
    return this.step(ids, 'greedy') as Promise<number>;
  }

  /**
   * The k best logits after `ids` and their ids, selected by the backend's `topk` (on WebGPU only 2k numbers
   * come back). When a candidate is NaN it returns the whole row instead.
   */
  appendTopK(ids: readonly number[], k: number): Promise<TopKLogits | Float32Array> {
    return this.step(ids, { topK: k }) as Promise<TopKLogits | Float32Array>;
  }

  /** The logits after `ids` as `want` asks: a prefill for several, the batched decode step (B = 1) for one. */
  private async step(ids: readonly number[], want: StepWant): Promise<StepOutput> {
    this.checkRoom(ids.length);
    const logits =
      ids.length === 1 ? decodeLogits(this.model, [this], ids) : this.model.prefill(ids, this.cache);
    try {
      return (await readRows(logits, [want]))[0] as StepOutput;
    } finally {
      logits.dispose();
    }
  }

  /** @internal Throws CacheError when `more` tokens would pass the context limit. */
  checkRoom(more: number): void {
    if (this.length + more > this.cache.maxTokens) {
      throw new CacheError(
        `${this.length + more} tokens exceed the context limit of ${this.cache.maxTokens}`,
      );
    }
  }

  reserve(tokens: number): void {
    this.cache.reserveTokens(tokens);
  }

  truncate(length: number): void {
    this.cache.truncate(length);
  }

  dispose(): void {
    this.cache.dispose();
  }
}
