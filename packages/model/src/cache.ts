import { concat, keep, type Tensor } from '@agentlm/tensor';
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
}

/** The simplest LatentCache: one growing tensor pair per layer (re-concatenated on every append). */
export class ContiguousLatentCache implements LatentCache {
  private readonly layers: { ckv: Tensor; kPe: Tensor }[] = [];

  constructor(readonly config: YoutuConfig) {}

  length(layer: number): number {
    return this.layers[layer]?.ckv.shape[0] ?? 0;
  }

  append(layer: number, ckv: Tensor, kPe: Tensor): void {
    const c = this.config;
    if (ckv.shape[1] !== c.kvLoraRank || kPe.shape[1] !== c.qkRopeHeadDim || ckv.shape[0] !== kPe.shape[0]) {
      throw new ModelInputError(
        `LatentCache.append: expected ckv [T, ${c.kvLoraRank}] and kPe [T, ${c.qkRopeHeadDim}], got [${ckv.shape}] and [${kPe.shape}]`,
      );
    }
    const old = this.layers[layer];
    const next =
      old === undefined
        ? { ckv: keep(concat([ckv], 0)), kPe: keep(concat([kPe], 0)) }
        : { ckv: keep(concat([old.ckv, ckv], 0)), kPe: keep(concat([old.kPe, kPe], 0)) };
    if (old !== undefined) {
      old.ckv.dispose();
      old.kPe.dispose();
    }
    this.layers[layer] = next;
  }

  read(layer: number): { ckv: Tensor; kPe: Tensor } {
    const entry = this.layers[layer];
    if (entry === undefined) throw new ModelInputError(`LatentCache.read: layer ${layer} is empty`);
    return entry;
  }

  /** Frees every cached tensor; the cache is empty afterwards. */
  dispose(): void {
    for (const e of this.layers) {
      e.ckv.dispose();
      e.kPe.dispose();
    }
    this.layers.length = 0;
  }
}
