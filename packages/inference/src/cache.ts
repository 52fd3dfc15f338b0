import type { LatentCache, LatentRow, YoutuConfig } from '@agentlm/model';
import { type Backend, cast, DeviceError, keep, slice, type Tensor, zeros } from '@agentlm/tensor';
import { CacheError } from './errors.js';

/** Storage formats of the cache; math stays f32 (rows are rounded once, when written). */
export type CacheDType = 'f32' | 'f16' | 'bf16';

export interface LatentCacheOptions {
  /** Storage dtype. Default f32. */
  dtype?: CacheDType;
  /** Growth granularity in tokens: capacity is always a whole number of chunks. Default 256. */
  chunkTokens?: number;
  /** Most tokens the cache may hold; default and upper bound the model's max_position_embeddings. */
  maxTokens?: number;
}

const BYTES: Record<CacheDType, number> = { f32: 4, f16: 2, bf16: 2 };

/** Bytes one token occupies in an MLA latent cache: layers × (kv_lora_rank + qk_rope_head_dim) values. */
export function latentBytesPerToken(config: YoutuConfig, dtype: CacheDType = 'f32'): number {
  return config.numHiddenLayers * (config.kvLoraRank + config.qkRopeHeadDim) * BYTES[dtype];
}

/**
 * Bytes one token would occupy in the equivalent multi-head cache (SPEC §1: K and V of h heads of
 * v_head_dim each per layer), the baseline the latent cache is measured against.
 */
export function mhaBytesPerToken(config: YoutuConfig, dtype: CacheDType = 'f32'): number {
  return config.numHiddenLayers * 2 * config.numAttentionHeads * config.vHeadDim * BYTES[dtype];
}

interface LayerRows {
  /** [capacity, kv_lora_rank + qk_rope_head_dim] (each row ckv then kPe); rows [0, length) are valid. */
  rows: Tensor;
  length: number;
  /** What `read` last handed out; the model uses it until its next call on this layer. */
  lastRead: { ckv: Tensor; kPe: Tensor } | null;
}

/**
 * The MLA latent KV cache (SPEC §1): per layer only the normalised `ckv` (kv_lora_rank) and the
 * rotated shared `kPe` (qk_rope_head_dim) of each token, in f32/f16/bf16 storage. Each layer's rows
 * ([ckv, kPe] side by side) live in one device buffer that grows on demand a chunk at a time (doubling, so
 * appends are amortised O(rows)); new rows are written in place with the backend's strided copy. Implements
 * the model's `LatentCache` including `appendRow`, so `model.prefill` drives it through append/read and the
 * one-token `model.decode` writes and attends over the buffer in place.
 */
export class PagedLatentCache implements LatentCache {
  readonly dtype: CacheDType;
  readonly chunkTokens: number;
  readonly maxTokens: number;
  private readonly layers: LayerRows[] = [];
  private disposed = false;

  constructor(
    readonly config: YoutuConfig,
    readonly backend: Backend,
    options: LatentCacheOptions = {},
  ) {
    this.dtype = options.dtype ?? 'f32';
    if (!(this.dtype in BYTES))
      throw new CacheError(`cache dtype must be f32, f16 or bf16, got ${JSON.stringify(this.dtype)}`);
    this.chunkTokens = options.chunkTokens ?? 256;
    this.maxTokens = Math.min(
      options.maxTokens ?? config.maxPositionEmbeddings,
      config.maxPositionEmbeddings,
    );
    if (!Number.isInteger(this.chunkTokens) || this.chunkTokens < 1) {
      throw new CacheError(`chunkTokens must be a positive integer, got ${this.chunkTokens}`);
    }
  }

  /** Bytes per cached token (all layers). */
  get bytesPerToken(): number {
    return latentBytesPerToken(this.config, this.dtype);
  }

  /** Tokens the buffers can hold before the next growth. */
  get capacity(): number {
    return this.layers[0]?.rows.shape[0] ?? 0;
  }

  /** Device bytes held by the buffers (capacity, not just the valid rows). */
  get allocatedBytes(): number {
    return this.capacity * this.bytesPerToken;
  }

  length(layer: number): number {
    return this.layers[layer]?.length ?? 0;
  }

  append(layer: number, ckv: Tensor, kPe: Tensor): void {
    this.checkLive();
    const c = this.config;
    const t = ckv.shape[0] as number;
    if (ckv.shape[1] !== c.kvLoraRank || kPe.shape[1] !== c.qkRopeHeadDim || kPe.shape[0] !== t) {
      throw new CacheError(
        `append: expected ckv [T, ${c.kvLoraRank}] and kPe [T, ${c.qkRopeHeadDim}], got [${ckv.shape}] and [${kPe.shape}]`,
      );
    }
    const rows = this.reserve(layer, t);
    this.writeRows(rows, 0, ckv);
    this.writeRows(rows, c.kvLoraRank, kPe);
    rows.length += t;
  }

  appendRow(layer: number, backend: Backend): LatentRow {
    this.checkLive();
    if (backend !== this.backend) {
      throw new CacheError(
        `appendRow: the cache lives on ${this.backend.name}, the model on ${backend.name}`,
      );
    }
    const rows = this.reserve(layer, 1);
    return { rows: rows.rows, row: rows.length++ };
  }

  /**
   * Every valid row of `layer` as f32 tensors owned by the cache until its next call on this layer: views of the
   * cache buffer for an f32 cache, widened copies for f16/bf16.
   */
  read(layer: number): { ckv: Tensor; kPe: Tensor } {
    this.checkLive();
    const rows = this.layers[layer];
    if (rows === undefined || rows.length === 0) throw new CacheError(`read: layer ${layer} is empty`);
    this.releaseRead(rows);
    const latent = this.config.kvLoraRank;
    rows.lastRead = {
      ckv: this.validRows(rows, 0, latent),
      kPe: this.validRows(rows, latent, latent + this.config.qkRopeHeadDim),
    };
    return rows.lastRead;
  }

  /** Columns [from, to) of the valid rows as an f32 tensor the cache owns (the model's math takes f32). */
  private validRows(layer: LayerRows, from: number, to: number): Tensor {
    const rows = slice(layer.rows, [0, from], [layer.length, to]);
    if (this.dtype === 'f32') return keep(rows);
    const wide = keep(cast(rows, 'f32'));
    rows.dispose();
    return wide;
  }

  /** Forgets every token from `length` on (the buffers are kept for reuse). */
  truncate(length: number): void {
    for (const rows of this.layers) {
      this.releaseRead(rows);
      rows.length = Math.min(rows.length, length);
    }
  }

  /** Frees every buffer; the cache is unusable afterwards. */
  dispose(): void {
    for (const rows of this.layers) {
      this.releaseRead(rows);
      rows.rows.dispose();
    }
    this.layers.length = 0;
    this.disposed = true;
  }

  /**
   * Grows every layer's buffer to hold `tokens` tokens in all (a whole number of chunks, at most `maxTokens`), so
   * that the sequence reaches that length without allocating again; never shrinks.
   */
  reserveTokens(tokens: number): void {
    this.checkLive();
    if (tokens > this.maxTokens) {
      throw new CacheError(`cannot reserve ${tokens} tokens: the cache limit is ${this.maxTokens}`);
    }
    for (let layer = 0; layer < this.config.numHiddenLayers; layer++) {
      if (tokens > (this.layers[layer]?.rows.shape[0] ?? 0))
        this.reserve(layer, tokens - this.length(layer), true);
    }
  }

  /** Bytes a cache with `options` holds once `reserveTokens(tokens)` has run on it (from empty). */
  static reservedBytes(config: YoutuConfig, options: LatentCacheOptions, tokens: number): number {
    const chunk = options.chunkTokens ?? 256;
    const limit = Math.min(options.maxTokens ?? config.maxPositionEmbeddings, config.maxPositionEmbeddings);
    const capacity = Math.min(Math.ceil(tokens / chunk) * chunk, limit);
    return capacity * latentBytesPerToken(config, options.dtype ?? 'f32');
  }

  /**
   * The layer's rows with room for `t` more tokens, growing the buffers when needed: by doubling (appends stay
   * amortised O(rows)), or to exactly the chunks needed when `exact` (a reservation of known size).
   */
  private reserve(layer: number, t: number, exact = false): LayerRows {
    if (layer < 0 || layer >= this.config.numHiddenLayers || !Number.isInteger(layer)) {
      throw new CacheError(`layer ${layer} is outside [0, ${this.config.numHiddenLayers})`);
    }
    const rows = this.layers[layer];
    const needed = (rows?.length ?? 0) + t;
    if (needed > this.maxTokens) {
      throw new CacheError(`layer ${layer}: ${needed} tokens exceed the cache limit of ${this.maxTokens}`);
    }
    const capacity = rows?.rows.shape[0] ?? 0;
    if (rows !== undefined && needed <= capacity) return rows;
    const chunks = Math.ceil(Math.max(needed, exact ? 0 : capacity * 2) / this.chunkTokens);
    const grown = Math.min(chunks * this.chunkTokens, this.maxTokens);
    const next: LayerRows = {
      rows: this.allocate(grown, this.config.kvLoraRank + this.config.qkRopeHeadDim),
      length: rows?.length ?? 0,
      lastRead: null,
    };
    if (rows !== undefined) {
      this.releaseRead(rows);
      this.copyRows(rows.rows, next.rows, rows.length);
      rows.rows.dispose();
    }
    this.layers[layer] = next;
    return next;
  }

  private allocate(tokens: number, width: number): Tensor {
    try {
      return keep(zeros([tokens, width], { backend: this.backend, dtype: this.dtype }));
    } catch (err) {
      if (!(err instanceof DeviceError)) throw err;
      const bytes = tokens * width * BYTES[this.dtype];
      throw new CacheError(
        `cannot grow the latent cache to ${tokens} tokens (${bytes} bytes per layer buffer): ${err.message}`,
      );
    }
  }

  /** Columns [column, column + cols) of rows [length, length + T) = src [T, cols], in the storage dtype. */
  private writeRows(dst: LayerRows, column: number, src: Tensor): void {
    const width = dst.rows.shape[1] as number;
    const [t, cols] = src.shape as [number, number];
    const converted = src.dtype === this.dtype ? src : cast(src, this.dtype);
    this.backend.copy(
      { storage: converted.storage, offset: 0, strides: [cols, 1] },
      { storage: dst.rows.storage, offset: dst.length * width + column, strides: [width, 1] },
      [t, cols],
    );
    if (converted !== src) converted.dispose();
  }

  private copyRows(src: Tensor, dst: Tensor, rows: number): void {
    if (rows === 0) return;
    const width = src.shape[1] as number;
    this.backend.copy(
      { storage: src.storage, offset: 0, strides: [width, 1] },
      { storage: dst.storage, offset: 0, strides: [width, 1] },
      [rows, width],
    );
  }

  private releaseRead(rows: LayerRows): void {
    if (rows.lastRead === null) return;
    rows.lastRead.ckv.dispose();
    rows.lastRead.kPe.dispose();
    rows.lastRead = null;
  }

  private checkLive(): void {
    if (this.disposed) throw new CacheError('the cache was used after dispose()');
  }
}
