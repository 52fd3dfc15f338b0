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

/**
 * The one-token absorbed decode (SPEC §1, "MLA at inference") as a fixed chain of backend kernels over scratch
 * buffers allocated once per model: no tensor is created per step but the returned logits, every weight product
 * is an m = 1 GEMV, and attention reads the latent cache in place.
 *
 * Per layer: the query's no-rope half is absorbed per head through the k_nope rows of kv_b_proj (W_UK, read in
 * place with a batch stride), giving a kv_lora_rank-wide latent query; with the rotated rope half it attends over
 * the cache rows [ckv, kPe] in one kernel (`latentAttention`: every head against the one shared latent head,
 * values the ckv columns), and the attended latents go back through the v rows of kv_b_proj (W_UV, read in
 * place at an offset with the same batch stride), so no derived copy of the weights exists that training would
 * make stale. The weights are looked up every step, so updated or replaced parameters are used.
 */
export class AbsorbedDecoder {
  private readonly s: Scratch;
  /** The step's fixed views of the scratch buffers and its fixed matmul shapes, made once. */
  private readonly v: FixedViews;
  /**
   * Each layer's parameter names, made once: looking a parameter up by the same string every step skips
   * building and hashing a new one (about a microsecond each, over a hundred per token at micro).
   */
  private readonly names: LayerNames[];
  /** Narrow copies of `row` for f16/bf16 caches. */
  private readonly narrowRows = new Map<DType, Storage>();
  private readonly ropeScale: number;
  private readonly softmaxScale: number;
  private readonly hostId = new Int32Array(1);
  private readonly hostPosition = new Int32Array(1);

  constructor(
    readonly config: YoutuConfig,
    readonly backend: Backend,
  ) {
    const { invFreq, scale } = ropeFrequencies(config.qkRopeHeadDim, ropeOptions(config));
    this.ropeScale = scale;
    this.softmaxScale = softmaxScale(config);
    this.s = allocScratch(config, backend, invFreq.length);
    backend.upload(this.s.invFreq, invFreq);
    this.v = fixedViews(config, this.s);
    this.names = Array.from({ length: config.numHiddenLayers }, (_, l) => layerNames(l));
  }

  /**
   * Runs token `id` at `position` through every layer, each layer's cache row coming from `appendRow(layer)`, and
   * writes the final normalised hidden state's logits into `logits` (f32 [1, vocab], a fresh tensor).
   */
  step(
    weights: ModelWeights,
    id: number,
    position: number,
    appendRow: (layer: number) => LatentRow,
    logits: Tensor,
  ): void {
    const { backend: b, config: c, s, v } = this;
    this.hostId[0] = id;
    this.hostPosition[0] = position;
    b.upload(s.id, this.hostId);
    b.upload(s.position, this.hostPosition);
    b.gather(weights('model.embed_tokens.weight').storage, s.id, s.x, 1, c.hiddenSize);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const names = this.names[l] as LayerNames;
      this.attention(weights, names, appendRow(l));
      b.binary('add', v.x, v.attnOut, s.x2, [c.hiddenSize]);
      b.rmsNorm(s.x2, weights(names.postNorm).storage, s.a, s.rstd, 1, c.hiddenSize, c.rmsNormEps);
      this.gemv(s.a, weights(names.gate).storage, s.gate, c.intermediateSize, c.hiddenSize);
      this.gemv(s.a, weights(names.up).storage, s.up, c.intermediateSize, c.hiddenSize);
      b.swiglu(s.gate, s.up, s.act);
      this.gemv(s.act, weights(names.down).storage, s.mlpOut, c.hiddenSize, c.intermediateSize);
      b.binary('add', v.x2, v.mlpOut, s.x, [c.hiddenSize]);
    }
    b.rmsNorm(s.x, weights('model.norm.weight').storage, s.a, s.rstd, 1, c.hiddenSize, c.rmsNormEps);
    const head = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    this.gemv(s.a, weights(head).storage, logits.storage, c.vocabSize, c.hiddenSize);
  }

  /** x → the layer's attention output in `attnOut`, with the token's latent row written at `cache`. */
  private attention(weights: ModelWeights, names: LayerNames, cache: LatentRow): void {
    const { backend: b, config: c, s, v } = this;
    const w = (name: string) => weights(name).storage;
    const [h, d, latent, r] = [c.numAttentionHeads, c.hiddenSize, c.kvLoraRank, c.qkRopeHeadDim];
    const [width, qHead] = [latent + r, c.qkNopeHeadDim + r];
    b.rmsNorm(s.x, w(names.inputNorm), s.a, s.rstd, 1, d, c.rmsNormEps);
    if (c.qLoraRank === null) {
      this.gemv(s.a, w(names.q), s.q, h * qHead, d);
    } else {
      this.gemv(s.a, w(names.qA), s.qa, c.qLoraRank, d);
      b.rmsNorm(s.qa, w(names.qANorm), s.qaNorm, s.rstd, 1, c.qLoraRank, c.rmsNormEps);
      this.gemv(s.qaNorm, w(names.qB), s.q, h * qHead, c.qLoraRank);
    }
    // The cache row: [RMSNorm(ckv), rope(kPe)], rounded to the cache's dtype, written in place.
    this.gemv(s.a, w(names.kvA), s.kva, width, d);
    b.rmsNorm(s.kva, w(names.kvANorm), s.row, s.rstd, 1, latent, c.rmsNormEps);
    b.copy(v.kvaPe, v.kPeRaw, [1, r]);
    this.rope(s.kPeRaw, s.kPe, 1);
    b.copy(v.kPe, v.rowPe, [1, r]);
    const rows = cache.rows.storage;
    let row = s.row;
    if (rows.dtype !== 'f32') {
      row = this.narrowRow(rows.dtype);
      b.cast(s.row, row);
    }
    b.copy(dense(row, width), at(rows, cache.row * width, [width, 1]), [1, width]);
    // The absorbed query per head: [q_nope · W_UK, rope(q_pe)].
    b.copy(v.qPe, v.qPeRaw, [h, r]);
    this.rope(s.qPeRaw, s.qPe, h);
    const kvB = w(names.kvB);
    b.matmul(s.q, kvB, s.qLatent, v.absorbK);
    b.copy(v.qLatent, v.queryLatent, [h, latent]);
    b.copy(v.qPeRotated, v.queryPe, [h, r]);
    // Attention over rows [0, row] of the cache: one shared KV head, keys [ckv, kPe], values ckv.
    const p = { heads: h, length: cache.row + 1, width, valueDim: latent, scale: this.softmaxScale };
    b.latentAttention(s.query, rows, s.attended, p);
    // Back through W_UV, each head's v rows of kv_b_proj, read in place after its k_nope rows.
    b.matmul(s.attended, kvB, s.o, v.absorbV);
    this.gemv(s.o, w(names.o), s.attnOut, d, h * c.vHeadDim);
  }

  /** y [n] = x [k] · Wᵀ with W stored [n, k] (a Linear weight). */
  private gemv(x: Storage, weight: Storage, y: Storage, n: number, k: number): void {
    this.backend.matmul(x, weight, y, batched(1, 1, n, k, true, 0, 0));
  }

  /** Interleaved RoPE of `heads` rows of qk_rope_head_dim at the step's position. */
  private rope(x: Storage, out: Storage, heads: number): void {
    this.backend.rope(x, this.s.position, this.s.invFreq, out, {
      outer: 1,
      t: 1,
      heads,
      rotaryDim: this.config.qkRopeHeadDim,
      scale: this.ropeScale,
      interleaved: this.config.ropeInterleave,
      inverse: false,
    });
  }

  private narrowRow(dtype: DType): Storage {
    let row = this.narrowRows.get(dtype);
    if (row === undefined) {
      row = this.backend.alloc(this.config.kvLoraRank + this.config.qkRopeHeadDim, dtype);
      this.narrowRows.set(dtype, row);
    }
    return row;
  }

  /** Frees every scratch buffer. */
  dispose(): void {
    for (const storage of Object.values(this.s)) this.backend.free(storage);
    for (const storage of this.narrowRows.values()) this.backend.free(storage);
  }
}

/** The decode's scratch buffers: one token's activations (f32), its id and position (i32), RoPE frequencies. */
function allocScratch(config: YoutuConfig, backend: Backend, ropePairs: number) {
  const c = config;
  const h = c.numAttentionHeads;
  const width = c.kvLoraRank + c.qkRopeHeadDim;
  const f = (size: number) => backend.alloc(size, 'f32');
  return {
    x: f(c.hiddenSize),
    x2: f(c.hiddenSize),
    a: f(c.hiddenSize),
    rstd: f(1),
    qa: f(c.qLoraRank ?? 1),
    qaNorm: f(c.qLoraRank ?? 1),
    q: f(h * (c.qkNopeHeadDim + c.qkRopeHeadDim)),
    kva: f(width),
    kPeRaw: f(c.qkRopeHeadDim),
    kPe: f(c.qkRopeHeadDim),
    row: f(width),
    qPeRaw: f(h * c.qkRopeHeadDim),
    qPe: f(h * c.qkRopeHeadDim),
    qLatent: f(h * c.kvLoraRank),
    query: f(h * width),
    attended: f(h * c.kvLoraRank),
    o: f(h * c.vHeadDim),
    attnOut: f(c.hiddenSize),
    gate: f(c.intermediateSize),
    up: f(c.intermediateSize),
    act: f(c.intermediateSize),
    mlpOut: f(c.hiddenSize),
    invFreq: f(ropePairs),
    id: backend.alloc(1, 'i32'),
    position: backend.alloc(1, 'i32'),
  };
}

type Scratch = ReturnType<typeof allocScratch>;

/** The strided views and matmul shapes of a step that do not change between steps. */
function fixedViews(config: YoutuConfig, s: Scratch) {
  const c = config;
  const [h, latent, r, nope, v] = [
    c.numAttentionHeads,
    c.kvLoraRank,
    c.qkRopeHeadDim,
    c.qkNopeHeadDim,
    c.vHeadDim,
  ];
  const [width, qHead, kvHead] = [latent + r, nope + r, (nope + v) * latent];
  return {
    x: at(s.x, 0, [1]),
    x2: at(s.x2, 0, [1]),
    attnOut: at(s.attnOut, 0, [1]),
    mlpOut: at(s.mlpOut, 0, [1]),
    kvaPe: at(s.kva, latent, [r, 1]),
    kPeRaw: dense(s.kPeRaw, r),
    kPe: dense(s.kPe, r),
    rowPe: at(s.row, latent, [r, 1]),
    qPe: at(s.q, nope, [qHead, 1]),
    qPeRaw: dense(s.qPeRaw, r),
    qLatent: dense(s.qLatent, latent),
    queryLatent: at(s.query, 0, [width, 1]),
    qPeRotated: dense(s.qPe, r),
    queryPe: at(s.query, latent, [width, 1]),
    /** q_nope of each head through its W_UK, the k_nope rows of kv_b_proj. */
    absorbK: batched(h, 1, latent, nope, false, qHead, kvHead),
    /** Each head's attended latent through its W_UV, the v rows after them. */
    absorbV: { ...batched(h, 1, v, latent, true, latent, kvHead), bOffset: nope * latent },
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
