import { type Backend, keep, slice, type Tensor, zeros } from '@agentlm/tensor';
import type { YoutuConfig } from './config.js';
import { ModelInputError } from './errors.js';

/**
 * What the model needs from an MLA KV cache: per layer, the normalised latent `ckv` [T, kv_lora_rank] and the
 * rotated shared rope key `kPe` [T, qk_rope_head_dim] of every token seen so far (576 values per token per
 * layer for the 2B model). @agentlm/inference implements paging behind this interface; the model only appends
 * the rows of the tokens it is running and reads back the whole history of a layer.
 *
 * Ownership: `append` receives tensors the model will dispose after the call (the cache copies or `keep`s what
 * it stores); `read` returns tensors the cache owns (the model never disposes them, and uses them only until its
 * next call on the cache).
 */
export interface LatentCache {
  /** Tokens cached for `layer`. */
  length(layer: number): number;
  /** Appends T rows to `layer`: ckv [T, kv_lora_rank], kPe [T, qk_rope_head_dim] (f32). */
  append(layer: number, ckv: Tensor, kPe: Tensor): void;
  /** Every cached row of `layer`: ckv [length, kv_lora_rank], kPe [length, qk_rope_head_dim]. */
  read(layer: number): { ckv: Tensor; kPe: Tensor };
  /**
   * Optional, the one-token decode's fast path: counts one more token in `layer` and returns the buffer (on
   * `backend`, the model's) that holds
   * the layer's rows in place, `rows` [capacity, kv_lora_rank + qk_rope_head_dim] (each row ckv then kPe, in the
   * cache's storage dtype f32/f16/bf16), and the index of the new row. The model writes that row itself and
   * attends over rows [0, row] straight from the buffer: no copy of the history per step. Without it the model
   * decodes through `append` + `read`.
   */
  appendRow?(layer: number, backend: Backend): LatentRow;
}

/** Where `LatentCache.appendRow` puts a token: row `row` of `rows` [capacity, kv_lora_rank + qk_rope_head_dim]. */
export interface LatentRow {
  rows: Tensor;
  row: number;
}

interface Entry {
  rows: Tensor;
  length: number;
  /** What `read` last handed out (owned by the cache, freed on the next call on this layer). */
  lastRead: Tensor[];
}

/**
 * The model's own f32 LatentCache: per layer one [capacity, kv_lora_rank + qk_rope_head_dim] buffer (rows ckv
 * then kPe) that doubles when full, so appends are amortised O(rows) and the decode reads it in place.
 */
export class ContiguousLatentCache implements LatentCache {
  private readonly layers: Entry[] = [];

  constructor(readonly config: YoutuConfig) {}

  private get width(): number {
    return this.config.kvLoraRank + this.config.qkRopeHeadDim;
  }

  length(layer: number): number {
    return this.layers[layer]?.length ?? 0;
  }

  append(layer: number, ckv: Tensor, kPe: Tensor): void {
    const c = this.config;
    const t = ckv.shape[0] as number;
    if (ckv.shape[1] !== c.kvLoraRank || kPe.shape[1] !== c.qkRopeHeadDim || kPe.shape[0] !== t) {
      throw new ModelInputError(
        `LatentCache.append: expected ckv [T, ${c.kvLoraRank}] and kPe [T, ${c.qkRopeHeadDim}], got [${ckv.shape}] and [${kPe.shape}]`,
      );
    }
    const entry = this.reserve(layer, t, ckv.backend);
    const w = this.width;
    const write = (src: Tensor, column: number) =>
      src.backend.copy(
        { storage: src.storage, offset: 0, strides: [src.shape[1] as number, 1] },
        { storage: entry.rows.storage, offset: entry.length * w + column, strides: [w, 1] },
        [t, src.shape[1] as number],
      );
    write(ckv, 0);
    write(kPe, c.kvLoraRank);
    entry.length += t;
  }

  appendRow(layer: number, backend: Backend): LatentRow {
    const entry = this.reserve(layer, 1, backend);
    return { rows: entry.rows, row: entry.length++ };
  }

  read(layer: number): { ckv: Tensor; kPe: Tensor } {
    const entry = this.layers[layer];
    if (entry === undefined) throw new ModelInputError(`LatentCache.read: layer ${layer} is empty`);
    release(entry);
    const [n, c] = [entry.length, this.config.kvLoraRank];
    const ckv = keep(slice(entry.rows, [0, 0], [n, c]));
    const kPe = keep(slice(entry.rows, [0, c], [n, this.width]));
    entry.lastRead = [ckv, kPe];
    return { ckv, kPe };
  }

  /** Frees every cached tensor; the cache is empty afterwards. */
  dispose(): void {
    for (const e of this.layers) {
      release(e);
      e.rows.dispose();
    }
    this.layers.length = 0;
  }

  /** The layer's entry with room for `t` more rows (doubling the buffer when full). */
  private reserve(layer: number, t: number, backend: Backend): Entry {
    const old = this.layers[layer];
    if (old !== undefined) release(old);
    const needed = (old?.length ?? 0) + t;
    const capacity = old?.rows.shape[0] ?? 0;
    if (old !== undefined && needed <= capacity) return old;
    const rows = keep(zeros([Math.max(needed, 2 * capacity, 16), this.width], { backend }));
    if (old !== undefined && old.length > 0) {
      rows.backend.copy(
        { storage: old.rows.storage, offset: 0, strides: [this.width, 1] },
        { storage: rows.storage, offset: 0, strides: [this.width, 1] },
        [old.length, this.width],
      );
    }
    old?.rows.dispose();
    const entry: Entry = { rows, length: old?.length ?? 0, lastRead: [] };
    this.layers[layer] = entry;
    return entry;
  }
}

function release(entry: Entry): void {
  for (const t of entry.lastRead) t.dispose();
  entry.lastRead = [];
}
