import type { YoutuConfig, YoutuModel } from '@agentlm/model';
import { argmax, type Tensor, topk } from '@agentlm/tensor';
import {
  type CacheDType,
  type LatentCacheOptions,
  latentBytesPerToken,
  mhaBytesPerToken,
  PagedLatentCache,
} from './cache.js';
import { CacheError } from './errors.js';
import type { LanguageModel, ModelSequence, TopKLogits } from './language-model.js';
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
}

/** One sequence on an MLA model: its latent cache plus the step logic. */
export class MlaSequence implements ModelSequence {
  constructor(
    private readonly model: YoutuModel,
    readonly cache: PagedLatentCache,
  ) {}

  get length(): number {
    return this.cache.length(0);
  }

  async append(ids: readonly number[]): Promise<Float32Array> {
    const logits = this.run(ids);
    try {
      return Float32Array.from(await logits.data());
    } finally {
      logits.dispose();
    }
  }

  /**
   * The argmax of the logits after `ids`. On a device-resident backend it runs there and 4 bytes come back;
   * on the host (cpu) the logits are already in memory and the host argmax is as fast.
   */
  async appendGreedy(ids: readonly number[]): Promise<number> {
    const logits = this.run(ids);
    if (logits.backend.readSync !== undefined) {
      try {
        return hostArgmax(logits.dataSync() as Float32Array);
      } finally {
        logits.dispose();
      }
    }
    const best = argmax(logits);
    logits.dispose();
    try {
      return (await best.data())[0] as number;
    } finally {
      best.dispose();
    }
  }

  /**
   * The k best logits after `ids` and their ids, selected by the backend's `topk` (on WebGPU only 2k
   * numbers come back). When a candidate is NaN it returns the whole row instead, so the sampler treats
   * NaN exactly as on the host path.
   */
  async appendTopK(ids: readonly number[], k: number): Promise<TopKLogits | Float32Array> {
    const logits = this.run(ids);
    const best = topk(logits, k);
    try {
      const [values, indices] = await Promise.all([best.values.data(), best.indices.data()]);
      if (!(values as Float32Array).some(Number.isNaN)) {
        return { values: Float32Array.from(values), ids: Int32Array.from(indices) };
      }
      return Float32Array.from(await logits.data());
    } finally {
      for (const t of [logits, best.values, best.indices]) t.dispose();
    }
  }

  /** The logits after `ids`: a prefill for several, an absorbed decode step for one. */
  private run(ids: readonly number[]): Tensor {
    if (this.length + ids.length > this.cache.maxTokens) {
      throw new CacheError(
        `${this.length + ids.length} tokens exceed the context limit of ${this.cache.maxTokens}`,
      );
    }
    return ids.length === 1 ? this.model.decode(ids, this.cache) : this.model.prefill(ids, this.cache);
  }

  truncate(length: number): void {
    this.cache.truncate(length);
  }

  dispose(): void {
    this.cache.dispose();
  }
}
