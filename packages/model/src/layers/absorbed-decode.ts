import { type Backend, type DType, ropeFrequencies, type Tensor } from '@agentlm/tensor';
import type { LatentRow } from '../cache.js';
import type { YoutuConfig } from '../config.js';
import { ropeOptions, softmaxScale } from './rope.js';

/** The backend's strided view and matmul parameters (types the tensor package does not export by name). */
type View = Parameters<Backend['copy']>[0];
type MatmulParams = Parameters<Backend['matmul']>[3];
type Storage = ReturnType<Backend['alloc']>;

/** Looks up a parameter by its full HF name. */
export type ModelWeights = (name: string) => Tensor;

/** One sequence of a batched decode step: its token, the token's position, and where each layer's cache row goes. */
export interface DecodeSlot {
  id: number;
  position: number;
  /** The layer's new row in this sequence's cache (`LatentCache.appendRow`); called once per layer. */
  appendRow: (layer: number) => LatentRow;
}

/**
 * The absorbed decode (SPEC §1, "MLA at inference") of one token for each of B sequences, as a fixed chain of
 * backend kernels over scratch buffers: no tensor is created per step but the returned logits, every weight
 * product is one matmul over the B rows (B = 1 is the same code: a GEMV), and attention reads each sequence's
 * latent cache in place, at its own length.
 *
 * Per layer: the query's no-rope half is absorbed per head through the k_nope rows of kv_b_proj (W_UK, read in
 * place with a batch stride), giving a kv_lora_rank-wide latent query; with the rotated rope half it attends over
 * the cache rows [ckv, kPe] in one kernel per sequence (`latentAttention`: every head against the one shared
 * latent head, values the ckv columns), and the attended latents go back through the v rows of kv_b_proj (W_UV,
 * read in place at an offset with the same batch stride), so no derived copy of the weights exists that training
 * would make stale. The per-head products take the B rows head-major ([h, B, ·]); with B > 1 the query and the
 * attended latents are permuted into that order (strided copies; with B = 1 both orders are the same). The
 * weights are looked up every step, so updated or replaced parameters are used.
 */
export class AbsorbedDecoder {
  /** Scratch for `rows` sequences (the last batch size; a step of another size reallocates it). */
  private s: Scratch | null = null;
  /** The step's fixed views of the scratch buffers and its fixed matmul shapes, made with the scratch. */
  private v: FixedViews | null = null;
  /**
   * Each layer's parameter names, made once: looking a parameter up by the same string every step skips
   * building and hashing a new one (about a microsecond each, over a hundred per token at micro).
   */
  private readonly names: LayerNames[];
  private readonly invFreq: Float32Array;
  private readonly ropeScale: number;
  private readonly softmaxScale: number;
  private hostIds = new Int32Array(0);
  private hostPositions = new Int32Array(0);

  constructor(
    readonly config: YoutuConfig,
    readonly backend: Backend,
  ) {
    const { invFreq, scale } = ropeFrequencies(config.qkRopeHeadDim, ropeOptions(config));
    this.invFreq = invFreq;
    this.ropeScale = scale;
    this.softmaxScale = softmaxScale(config);
    this.names = Array.from({ length: config.numHiddenLayers }, (_, l) => layerNames(l));
  }

  /**
   * Runs slot b's token at its position through every layer, writing its cache rows, and the final normalised
   * hidden states' logits into `logits` (f32 [B, vocab], row b for slot b). The slots must be distinct sequences.
   */
  step(weights: ModelWeights, slots: readonly DecodeSlot[], logits: Tensor): void {
    const { backend: b, config: c } = this;
    const rows = slots.length;
    const s = this.scratch(rows);
    const v = this.v as FixedViews;
    for (const [i, slot] of slots.entries()) {
      this.hostIds[i] = slot.id;
      this.hostPositions[i] = slot.position;
    }
    b.upload(s.id, this.hostIds);
    b.upload(s.position, this.hostPositions);
    b.gather(weights('model.embed_tokens.weight').storage, s.id, s.x, rows, c.hiddenSize);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const names = this.names[l] as LayerNames;
      this.attention(weights, names, slots, l, s, v);
      b.binary('add', v.x, v.attnOut, s.x2, [rows * c.hiddenSize]);
      b.rmsNorm(s.x2, weights(names.postNorm).storage, s.a, s.rstd, rows, c.hiddenSize, c.rmsNormEps);
      this.linear(s.a, weights(names.gate).storage, s.gate, c.intermediateSize, c.hiddenSize);
      this.linear(s.a, weights(names.up).storage, s.up, c.intermediateSize, c.hiddenSize);
      b.swiglu(s.gate, s.up, s.act);
      this.linear(s.act, weights(names.down).storage, s.mlpOut, c.hiddenSize, c.intermediateSize);
      b.binary('add', v.x2, v.mlpOut, s.x, [rows * c.hiddenSize]);
    }
    b.rmsNorm(s.x, weights('model.norm.weight').storage, s.a, s.rstd, rows, c.hiddenSize, c.rmsNormEps);
    const head = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    this.linear(s.a, weights(head).storage, logits.storage, c.vocabSize, c.hiddenSize);
  }

  /** x → the layer's attention output in `attnOut`, each slot's latent row written to its cache. */
  private attention(
    weights: ModelWeights,
    names: LayerNames,
    slots: readonly DecodeSlot[],
    layer: number,
    s: Scratch,
    v: FixedViews,
  ): void {
    const { backend: b, config: c } = this;
    const w = (name: string) => weights(name).storage;
    const rows = slots.length;
    const [h, d, latent, r] = [c.numAttentionHeads, c.hiddenSize, c.kvLoraRank, c.qkRopeHeadDim];
    const width = latent + r;
    b.rmsNorm(s.x, w(names.inputNorm), s.a, s.rstd, rows, d, c.rmsNormEps);
    if (c.qLoraRank === null) {
      this.linear(s.a, w(names.q), s.q, h * (c.qkNopeHeadDim + r), d);
    } else {
      this.linear(s.a, w(names.qA), s.qa, c.qLoraRank, d);
      b.rmsNorm(s.qa, w(names.qANorm), s.qaNorm, s.rstd, rows, c.qLoraRank, c.rmsNormEps);
      this.linear(s.qaNorm, w(names.qB), s.q, h * (c.qkNopeHeadDim + r), c.qLoraRank);
    }
    // The cache rows: [RMSNorm(ckv), rope(kPe)], rounded to each cache's dtype.
    // kv_a_proj's rows are ckv then kPe: two products, so that each comes out dense [B, ·].
    const kvA = w(names.kvA);
    this.linear(s.a, kvA, s.ckv, latent, d);
    this.linear(s.a, kvA, s.kPeRaw, r, d, latent * d);
    b.rmsNorm(s.ckv, w(names.kvANorm), s.ckvNorm, s.rstd, rows, latent, c.rmsNormEps);
    b.copy(v.ckvNorm, v.rowCkv, [rows, latent]);
    this.rope(s.kPeRaw, s.kPe, rows, 1);
    b.copy(v.kPe, v.rowPe, [rows, r]);
    // The absorbed query per head: [q_nope · W_UK, rope(q_pe)], laid out [B, h, width].
    b.copy(v.qPe, v.qPeRaw, [rows * h, r]);
    this.rope(s.qPeRaw, s.qPe, rows, h);
    const kvB = w(names.kvB);
    if (v.qNope !== null) b.copy(v.qNope.from, v.qNope.to, v.qNope.shape);
    b.matmul(v.absorbKInput, kvB, s.qLatent, v.absorbK);
    b.copy(v.qLatent, v.queryLatent, [h, rows, latent]);
    b.copy(v.qPeRotated, v.queryPe, [rows * h, r]);
    // Each sequence writes its row and attends over its own cache rows [0, row]: one shared KV head, keys
    // [ckv, kPe], values ckv.
    const narrowed = new Set<DType>();
    for (const [i, slot] of slots.entries()) {
      const cache = slot.appendRow(layer);
      const stored = cache.rows.storage;
      b.copy(
        at(this.rowOf(s, stored.dtype, narrowed), i * width, [width, 1]),
        at(stored, cache.row * width, [width, 1]),
        [1, width],
      );
      const p = { heads: h, length: cache.row + 1, width, valueDim: latent, scale: this.softmaxScale };
      if (rows === 1) {
        b.latentAttention(s.query, stored, s.attended, p);
        continue;
      }
      if (i > 0) b.copy(at(s.query, i * h * width, [width, 1]), dense(s.query1, width), [h, width]);
      b.latentAttention(i > 0 ? s.query1 : s.query, stored, s.attended1, p);
      b.copy(dense(s.attended1, latent), at(s.attended, i * latent, [rows * latent, 1]), [h, latent]);
    }
    // Back through W_UV, each head's v rows of kv_b_proj, read in place after its k_nope rows.
    b.matmul(s.attended, kvB, s.oHeads, v.absorbV);
    if (v.o !== null) b.copy(v.o.from, v.o.to, v.o.shape);
    this.linear(v.o === null ? s.oHeads : s.o, w(names.o), s.attnOut, d, h * c.vHeadDim);
  }

  /**
   * The normalised rows [B, width] in `dtype`: s.row itself for f32 caches, else a rounded copy, cast once per
   * layer (`narrowed` holds the dtypes already cast for this layer).
   */
  private rowOf(s: Scratch, dtype: DType, narrowed: Set<DType>): Storage {
    if (dtype === 'f32') return s.row;
    let narrow = s.narrowRows.get(dtype);
    if (narrow === undefined) {
      narrow = this.backend.alloc(s.rows * (this.config.kvLoraRank + this.config.qkRopeHeadDim), dtype);
      s.narrowRows.set(dtype, narrow);
    }
    if (!narrowed.has(dtype)) {
      this.backend.cast(s.row, narrow);
      narrowed.add(dtype);
    }
    return narrow;
  }

  /** y [B, n] = x [B, k] · Wᵀ with W stored [n, k] (a Linear weight) from element `offset` on. */
  private linear(x: Storage, weight: Storage, y: Storage, n: number, k: number, offset = 0): void {
    const rows = (this.s as Scratch).rows;
    this.backend.matmul(x, weight, y, { ...batched(1, rows, n, k, true, 0, 0), bOffset: offset });
  }

  /** Interleaved RoPE of `heads` rows of qk_rope_head_dim per sequence, each at its own position. */
  private rope(x: Storage, out: Storage, rows: number, heads: number): void {
    const s = this.s as Scratch;
    this.backend.rope(x, s.position, s.invFreq, out, {
      outer: 1,
      t: rows,
      heads,
      rotaryDim: this.config.qkRopeHeadDim,
      scale: this.ropeScale,
      interleaved: this.config.ropeInterleave,
      inverse: false,
    });
  }

  /** The scratch for `rows` sequences, reallocated when the batch size changes. */
  private scratch(rows: number): Scratch {
    if (this.s?.rows === rows) return this.s;
    this.dispose();
    this.s = allocScratch(this.config, this.backend, rows, this.invFreq.length);
    this.backend.upload(this.s.invFreq, this.invFreq);
    this.v = fixedViews(this.config, this.s);
    this.hostIds = new Int32Array(rows);
    this.hostPositions = new Int32Array(rows);
    return this.s;
  }

  /** Frees every scratch buffer. */
  dispose(): void {
    if (this.s === null) return;
    const { rows: _rows, narrowRows, ...buffers } = this.s;
    for (const storage of Object.values(buffers)) this.backend.free(storage);
    for (const storage of narrowRows.values()) this.backend.free(storage);
    this.s = null;
    this.v = null;
  }
}

/**
 * The decode's scratch buffers for `rows` sequences: their activations (f32, row-major [B, ·] unless noted), ids
 * and positions (i32), RoPE frequencies, and the narrow cache rows made on demand.
 */
function allocScratch(config: YoutuConfig, backend: Backend, rows: number, ropePairs: number) {
  const c = config;
  const h = c.numAttentionHeads;
  const width = c.kvLoraRank + c.qkRopeHeadDim;
  const f = (size: number) => backend.alloc(rows * size, 'f32');
  return {
    rows,
    narrowRows: new Map<DType, Storage>(),
    x: f(c.hiddenSize),
    x2: f(c.hiddenSize),
    a: f(c.hiddenSize),
    rstd: f(1),
    qa: f(c.qLoraRank ?? 1),
    qaNorm: f(c.qLoraRank ?? 1),
    q: f(h * (c.qkNopeHeadDim + c.qkRopeHeadDim)),
    /** q_nope head-major [h, B, nope] (used when B > 1). */
    qNope: f(h * c.qkNopeHeadDim),
    ckv: f(c.kvLoraRank),
    ckvNorm: f(c.kvLoraRank),
    kPeRaw: f(c.qkRopeHeadDim),
    kPe: f(c.qkRopeHeadDim),
    row: f(width),
    qPeRaw: f(h * c.qkRopeHeadDim),
    qPe: f(h * c.qkRopeHeadDim),
    /** Head-major [h, B, latent]. */
    qLatent: f(h * c.kvLoraRank),
    query: f(h * width),
    /** One sequence's query and attended latents [h, ·] (B > 1). */
    query1: backend.alloc(h * width, 'f32'),
    attended1: backend.alloc(h * c.kvLoraRank, 'f32'),
    /** Head-major [h, B, latent]. */
    attended: f(h * c.kvLoraRank),
    /** Head-major [h, B, v]. */
    oHeads: f(h * c.vHeadDim),
    o: f(h * c.vHeadDim),
    attnOut: f(c.hiddenSize),
    gate: f(c.intermediateSize),
    up: f(c.intermediateSize),
    act: f(c.intermediateSize),
    mlpOut: f(c.hiddenSize),
    invFreq: backend.alloc(ropePairs, 'f32'),
    id: backend.alloc(rows, 'i32'),
    position: backend.alloc(rows, 'i32'),
  };
}

type Scratch = ReturnType<typeof allocScratch>;

/** A strided copy between two layouts of the same values. */
interface Permute {
  from: View;
  to: View;
  shape: number[];
}

/** The strided views and matmul shapes of a step that depend only on the batch size. */
function fixedViews(config: YoutuConfig, s: Scratch) {
  const c = config;
  const [h, latent, r, nope, v, rows] = [
    c.numAttentionHeads,
    c.kvLoraRank,
    c.qkRopeHeadDim,
    c.qkNopeHeadDim,
    c.vHeadDim,
    s.rows,
  ];
  const [width, qHead, kvHead] = [latent + r, nope + r, (nope + v) * latent];
  const single = rows === 1;
  // With one row the per-head products read q in place (head stride qHead) and o_proj reads their output as is.
  const qNope: Permute | null = single
    ? null
    : {
        from: at(s.q, 0, [qHead, h * qHead, 1]),
        to: at(s.qNope, 0, [rows * nope, nope, 1]),
        shape: [h, rows, nope],
      };
  const o: Permute | null = single
    ? null
    : { from: at(s.oHeads, 0, [v, rows * v, 1]), to: at(s.o, 0, [h * v, v, 1]), shape: [rows, h, v] };
  return {
    x: at(s.x, 0, [1]),
    x2: at(s.x2, 0, [1]),
    attnOut: at(s.attnOut, 0, [1]),
    mlpOut: at(s.mlpOut, 0, [1]),
    ckvNorm: dense(s.ckvNorm, latent),
    rowCkv: at(s.row, 0, [width, 1]),
    kPeRaw: dense(s.kPeRaw, r),
    kPe: dense(s.kPe, r),
    rowPe: at(s.row, latent, [width, 1]),
    qPe: at(s.q, nope, [qHead, 1]),
    qPeRaw: dense(s.qPeRaw, r),
    qNope,
    absorbKInput: single ? s.q : s.qNope,
    /** q_nope of each head through its W_UK, the k_nope rows of kv_b_proj: [h, B, nope] → [h, B, latent]. */
    absorbK: batched(h, rows, latent, nope, false, single ? qHead : rows * nope, kvHead),
    qLatent: at(s.qLatent, 0, [rows * latent, latent, 1]),
    queryLatent: at(s.query, 0, [width, h * width, 1]),
    qPeRotated: dense(s.qPe, r),
    queryPe: at(s.query, latent, [width, 1]),
    /** Each head's attended latents through its W_UV, the v rows after them: [h, B, latent] → [h, B, v]. */
    absorbV: { ...batched(h, rows, v, latent, true, rows * latent, kvHead), bOffset: nope * latent },
    o,
  };
}

type FixedViews = ReturnType<typeof fixedViews>;

/** One layer's parameter names (HF). */
function layerNames(layer: number) {
  const p = `model.layers.${layer}.`;
  return {
    inputNorm: `${p}input_layernorm.weight`,
    q: `${p}self_attn.q_proj.weight`,
    qA: `${p}self_attn.q_a_proj.weight`,
    qANorm: `${p}self_attn.q_a_layernorm.weight`,
    qB: `${p}self_attn.q_b_proj.weight`,
    kvA: `${p}self_attn.kv_a_proj_with_mqa.weight`,
    kvANorm: `${p}self_attn.kv_a_layernorm.weight`,
    kvB: `${p}self_attn.kv_b_proj.weight`,
    o: `${p}self_attn.o_proj.weight`,
    postNorm: `${p}post_attention_layernorm.weight`,
    gate: `${p}mlp.gate_proj.weight`,
    up: `${p}mlp.up_proj.weight`,
    down: `${p}mlp.down_proj.weight`,
  };
}

type LayerNames = ReturnType<typeof layerNames>;

/** A strided view of a storage (what copy and binary take). */
function at(storage: Storage, offset: number, strides: number[]): View {
  return { storage, offset, strides };
}

/** A storage read from its start as rows of `cols` contiguous elements. */
function dense(storage: Storage, cols: number): View {
  return at(storage, 0, [cols, 1]);
}

/** MatmulParams of `batch` products [m, k] · op(b) → [m, n], a and b advancing by the given batch strides. */
function batched(
  batch: number,
  m: number,
  n: number,
  k: number,
  transposeB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): MatmulParams {
  return { batch, m, n, k, transposeA: false, transposeB, aBatchStride, bBatchStride };
}
