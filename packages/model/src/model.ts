import {
  type Backend,
  type DType,
  gather,
  getBackend,
  linearCrossEntropy,
  noGrad,
  ones,
  randn,
  rmsNorm,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@agentlm/tensor';
import type { LatentCache } from './cache.js';
import type { YoutuConfig } from './config.js';
import { ModelInputError } from './errors.js';
import { AbsorbedDecoder, type DecodeSlot } from './layers/absorbed-decode.js';
import { type AttentionMode, decoderLayer } from './layers/decoder.js';
import { linear } from './layers/linear.js';
import { storageDType, type WeightSpec, weightSpecs } from './weights.js';

/** Options of `YoutuModel.forward`. */
export interface ForwardOptions {
  /**
   * Next-token targets, i32 [B, T] (or nested arrays): targets[b][t] is the id that should follow ids[b][t].
   * When given, `loss` is the mean cross-entropy over counted positions.
   */
  targets?: Tensor | readonly (readonly number[])[];
  /** Targets equal to this are not counted (default -100, as in HF). */
  ignoreIndex?: number;
  /** f32 [B, T] weights per position (e.g. 1 on assistant tokens, 0 elsewhere); multiplies the ignore rule. */
  lossMask?: Tensor;
}

export interface ForwardResult {
  /** f32 [B, T, vocab] */
  logits: Tensor;
}

/** What `forward` returns when targets are given: the loss alone (the [B·T, vocab] logits are never made). */
export interface LossResult {
  /** f32 scalar: mean cross-entropy over counted positions */
  loss: Tensor;
}

/** Options of the incremental (cached) forward. */
export interface IncrementalOptions {
  /** Position of the first id; default the cache's current length, which it must equal. */
  startPos?: number;
  /** `last` (default) returns logits [1, vocab] of the last id only; `all` returns [T, vocab]. */
  logits?: 'last' | 'all';
}

/** FNV-1a of a weight name: per-tensor seeds that do not shift when layers are added. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The Youtu causal LM (SPEC §1): token embedding, decoder layers of MLA attention + SwiGLU MLP, final RMSNorm
 * and a head tied to the embedding unless `tie_word_embeddings` is false. Parameters are tensors keyed by their
 * Hugging Face names.
 */
export class YoutuModel {
  /** Scratch buffers of the one-token decode, made on its first use. */
  private decoder: AbsorbedDecoder | null = null;

  private constructor(
    readonly config: YoutuConfig,
    /** Every parameter by HF name, in checkpoint order (no `lm_head.weight` when tied). */
    readonly params: Map<string, Tensor>,
  ) {}

  /** Wraps already-built parameters (used by loadModel); every name of weightSpecs(config) must be present. */
  static fromParams(config: YoutuConfig, params: Map<string, Tensor>): YoutuModel {
    for (const s of weightSpecs(config)) {
      if (!params.has(s.name))
        throw new ModelInputError(`YoutuModel.fromParams: missing parameter ${s.name}`);
    }
    return new YoutuModel(config, params);
  }

  /**
   * A freshly initialised model: linear weights normal(0, initializer_range), embeddings normal(0,
   * embedding_initializer_range = 2× by default), norms ones. The same seed gives the same weights on every backend.
   */
  static init(
    config: YoutuConfig,
    opts: { seed?: number; backend?: Backend; dtype?: DType; requiresGrad?: boolean } = {},
  ): YoutuModel {
    const seed = opts.seed ?? 0;
    const backend = opts.backend ?? getBackend();
    const dtype = opts.dtype ?? 'f32';
    const requiresGrad = opts.requiresGrad ?? dtype === 'f32';
    const params = new Map<string, Tensor>();
    const create = (s: WeightSpec): Tensor => {
      if (s.kind === 'norm') return ones(s.shape, { backend, dtype: storageDType(s, dtype), requiresGrad });
      const std = s.kind === 'embedding' ? config.embeddingInitializerRange : config.initializerRange;
      return randn(s.shape, {
        seed: (seed * 0x9e3779b1 + nameHash(s.name)) >>> 0,
        std,
        backend,
        dtype,
        requiresGrad,
      });
    };
    for (const s of weightSpecs(config)) params.set(s.name, create(s));
    return new YoutuModel(config, params);
  }

  get backend(): Backend {
    return this.weight('model.embed_tokens.weight').backend;
  }

  /** Trainable tensors in checkpoint order. */
  parameters(): Tensor[] {
    return [...this.params.values()];
  }

  weight(name: string): Tensor {
    const t = this.params.get(name);
    if (t === undefined) throw new ModelInputError(`no parameter named ${name}`);
    return t;
  }

  private head(): Tensor {
    return this.weight(this.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  }

  /** ids as an i32 [B, T] tensor; host values (arrays, or a cpu tensor) are checked against the vocabulary. */
  private ids(ids: Tensor | readonly (readonly number[])[], what: string, checkRange: boolean): Tensor {
    let t: Tensor;
    if (Array.isArray(ids)) {
      const flat = Int32Array.from(ids.flat());
      if (checkRange) this.checkIdValues(flat, what);
      t = tensor(flat, [ids.length, ids[0]?.length ?? 0], { backend: this.backend });
    } else {
      t = ids as Tensor;
      if (checkRange && t.backend.readSync !== undefined && t.dtype === 'i32')
        this.checkIdValues(t.dataSync(), what);
    }
    if (t.shape.length !== 2 || t.dtype !== 'i32')
      throw new ModelInputError(`${what} must be i32 [B, T], got ${t.dtype} [${t.shape}]`);
    return t;
  }

  /** Rejects ids outside the vocabulary (a gather would read garbage, or fault on a GPU). */
  private checkIdValues(values: ArrayLike<number>, what: string): void {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isInteger(values[i]) || values[i] < 0 || values[i] >= this.config.vocabSize) {
        throw new ModelInputError(
          `${what}: token id ${values[i]} at index ${i} is outside the vocabulary [0, ${this.config.vocabSize})`,
        );
      }
    }
  }

  /** Runs the embedding, every layer and the final norm on ids [N]; hidden states [N, d]. */
  private trunk(
    ids: Tensor,
    batch: number,
    positions: Tensor,
    mode: (layer: number) => AttentionMode,
  ): Tensor {
    const c = this.config;
    const inference = mode(0).kind !== 'full';
    let x = gather(this.weight('model.embed_tokens.weight'), ids);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const prefix = `model.layers.${l}.`;
      const layer = () =>
        decoderLayer(c, (suffix) => this.weight(prefix + suffix), x, batch, positions, mode(l));
      if (!inference) {
        x = layer();
        continue;
      }
      // without autograd a layer's intermediates die with it: a 512-token prefill of the 2B model would otherwise
      // hold every layer's activations (GBs) until the step ends
      const next = tidy(layer);
      x.dispose();
      x = next;
    }
    return rmsNorm(x, this.weight('model.norm.weight'), c.rmsNormEps);
  }

  /**
   * The training / evaluation forward on a batch ids i32 [B, T] at positions 0..T-1 (expanded attention).
   * Records autograd unless called under noGrad; the caller owns the returned tensors (use tidy). With targets
   * it returns only the loss, from the head and cross-entropy fused over chunks of tokens (linearCrossEntropy).
   */
  forward(
    idsIn: Tensor | readonly (readonly number[])[],
    opts?: ForwardOptions & { targets?: undefined },
  ): ForwardResult;
  forward(
    idsIn: Tensor | readonly (readonly number[])[],
    opts: ForwardOptions & { targets: NonNullable<ForwardOptions['targets']> },
  ): LossResult;
  forward(
    idsIn: Tensor | readonly (readonly number[])[],
    opts: ForwardOptions = {},
  ): ForwardResult | LossResult {
    const ids = this.ids(idsIn, 'forward: ids', true);
    const [batch, t] = ids.shape;
    const positions = tensor(
      Int32Array.from({ length: t }, (_, i) => i),
      [t],
      { backend: this.backend },
    );
    const hidden = this.trunk(ids.reshape([batch * t]), batch, positions, () => ({ kind: 'full' }));
    if (opts.targets === undefined)
      return { logits: linear(hidden, this.head()).reshape([batch, t, this.config.vocabSize]) };
    const targets = this.ids(opts.targets, 'forward: targets', false);
    if (targets.shape[0] !== batch || targets.shape[1] !== t)
      throw new ModelInputError(`forward: targets [${targets.shape}] must match ids [${ids.shape}]`);
    const loss = linearCrossEntropy(hidden, this.head(), targets.reshape([batch * t]), {
      ignoreIndex: opts.ignoreIndex ?? -100,
      mask: opts.lossMask?.reshape([batch * t]),
    });
    return { loss };
  }

  /**
   * Runs one sequence's new ids through the model with a latent cache, appending their rows: `prefill` uses the
   * expanded attention (compute-bound, many tokens), `decode` the absorbed form (bandwidth-bound, few tokens).
   * Both give the logits the full forward gives at those positions. No autograd; the caller owns the result.
   */
  prefill(ids: ArrayLike<number>, cache: LatentCache, opts: IncrementalOptions = {}): Tensor {
    return this.incremental('prefill', ids, cache, opts);
  }

  decode(ids: ArrayLike<number>, cache: LatentCache, opts: IncrementalOptions = {}): Tensor {
    return this.incremental('decode', ids, cache, opts);
  }

  /** One absorbed decode step: logits [1, vocab] of `id` at the position after the cache's contents. */
  decodeStep(id: number, cache: LatentCache): Tensor {
    return this.incremental('decode', [id], cache, {});
  }

  private incremental(
    kind: 'prefill' | 'decode',
    idsIn: ArrayLike<number>,
    cache: LatentCache,
    opts: IncrementalOptions,
  ): Tensor {
    const t = idsIn.length;
    const startPos = opts.startPos ?? cache.length(0);
    if (t === 0) throw new ModelInputError(`${kind}: no ids`);
    this.checkIdValues(idsIn, kind);
    if (cache.length(0) !== startPos)
      throw new ModelInputError(
        `${kind}: startPos ${startPos} but the cache holds ${cache.length(0)} tokens`,
      );
    if (startPos + t > this.config.maxPositionEmbeddings) {
      throw new ModelInputError(
        `${kind}: positions up to ${startPos + t - 1} exceed max_position_embeddings ${this.config.maxPositionEmbeddings}`,
      );
    }
    if (kind === 'decode' && t === 1 && cache.appendRow !== undefined) {
      const appendRow = cache.appendRow.bind(cache);
      const backend = this.backend;
      return this.decodeSlots([
        { id: idsIn[0] as number, position: startPos, appendRow: (layer) => appendRow(layer, backend) },
      ]);
    }
    return tidy(() =>
      noGrad(() => {
        const backend = this.backend;
        const ids = tensor(Int32Array.from(idsIn), [1, t], { backend });
        const positions = tensor(
          Int32Array.from({ length: t }, (_, i) => startPos + i),
          [t],
          { backend },
        );
        const hidden = this.trunk(ids.reshape([t]), 1, positions, (layer) => ({
          kind,
          cache,
          layer,
          startPos,
        }));
        const rows = opts.logits === 'all' ? hidden : hidden.slice([t - 1, 0], [t, this.config.hiddenSize]);
        return linear(rows, this.head());
      }),
    );
  }

  /**
   * One absorbed decode step for B sequences at once: `ids[b]` runs at the position after `caches[b]`'s contents
   * and appends its row there. Returns logits [B, vocab] (row b for sequence b), equal to B separate
   * `decodeStep`s: the weight products run once over the B rows, attention per sequence over its own cache.
   * The caches must be distinct and implement `appendRow`. No autograd; the caller owns the result.
   */
  decodeBatch(ids: ArrayLike<number>, caches: readonly LatentCache[]): Tensor {
    if (ids.length !== caches.length || ids.length === 0) {
      throw new ModelInputError(
        `decodeBatch: expected one id per cache (at least one), got ${ids.length} ids and ${caches.length} caches`,
      );
    }
    this.checkIdValues(ids, 'decodeBatch');
    if (new Set(caches).size !== caches.length) {
      throw new ModelInputError(
        'decodeBatch: a cache appears twice (each sequence decodes one token per step)',
      );
    }
    const slots = caches.map((cache, b) => {
      const position = cache.length(0);
      if (cache.appendRow === undefined) {
        throw new ModelInputError(
          `decodeBatch: cache ${b} has no appendRow (the decode writes rows in place)`,
        );
      }
      if (position >= this.config.maxPositionEmbeddings) {
        throw new ModelInputError(
          `decodeBatch: sequence ${b} is at position ${position}, past max_position_embeddings ${this.config.maxPositionEmbeddings}`,
        );
      }
      const appendRow = cache.appendRow.bind(cache);
      return { id: ids[b] as number, position, appendRow: (layer: number) => appendRow(layer, this.backend) };
    });
    return this.decodeSlots(slots);
  }

  /** The absorbed decode through the decoder's fixed kernel chain (each cache read in place). */
  private decodeSlots(slots: DecodeSlot[]): Tensor {
    const backend = this.backend;
    if (this.decoder?.backend !== backend) {
      this.decoder?.dispose();
      this.decoder = new AbsorbedDecoder(this.config, backend);
    }
    const logits = zeros([slots.length, this.config.vocabSize], { backend });
    this.decoder.step((name) => this.weight(name), slots, logits);
    return logits;
  }

  /** Frees every parameter. */
  dispose(): void {
    this.decoder?.dispose();
    this.decoder = null;
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}
