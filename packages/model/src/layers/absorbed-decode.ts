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
    const { backend: b, config: c, s } = this;
    this.hostId[0] = id;
    this.hostPosition[0] = position;
    b.upload(s.id, this.hostId);
    b.upload(s.position, this.hostPosition);
    b.gather(weights('model.embed_tokens.weight').storage, s.id, s.x, 1, c.hiddenSize);
    for (let l = 0; l < c.numHiddenLayers; l++) {
      const prefix = `model.layers.${l}.`;
      const w = (suffix: string) => weights(prefix + suffix).storage;
      this.attention(w, appendRow(l));
      b.binary('add', at(s.x, 0, [1]), at(s.attnOut, 0, [1]), s.x2, [c.hiddenSize]);
      b.rmsNorm(s.x2, w('post_attention_layernorm.weight'), s.a, s.rstd, 1, c.hiddenSize, c.rmsNormEps);
      this.gemv(s.a, w('mlp.gate_proj.weight'), s.gate, c.intermediateSize, c.hiddenSize);
      this.gemv(s.a, w('mlp.up_proj.weight'), s.up, c.intermediateSize, c.hiddenSize);
      b.swiglu(s.gate, s.up, s.act);
      this.gemv(s.act, w('mlp.down_proj.weight'), s.mlpOut, c.hiddenSize, c.intermediateSize);
      b.binary('add', at(s.x2, 0, [1]), at(s.mlpOut, 0, [1]), s.x, [c.hiddenSize]);
    }
    b.rmsNorm(s.x, weights('model.norm.weight').storage, s.a, s.rstd, 1, c.hiddenSize, c.rmsNormEps);
    const head = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    this.gemv(s.a, weights(head).storage, logits.storage, c.vocabSize, c.hiddenSize);
  }

  /** x → the layer's attention output in `attnOut`, with the token's latent row written at `cache`. */
  private attention(w: (suffix: string) => Storage, cache: LatentRow): void {
    const { backend: b, config: c, s } = this;
    const [h, d, latent, r] = [c.numAttentionHeads, c.hiddenSize, c.kvLoraRank, c.qkRopeHeadDim];
    const [nope, v, width, qHead] = [c.qkNopeHeadDim, c.vHeadDim, latent + r, c.qkNopeHeadDim + r];
    b.rmsNorm(s.x, w('input_layernorm.weight'), s.a, s.rstd, 1, d, c.rmsNormEps);
    if (c.qLoraRank === null) {
      this.gemv(s.a, w('self_attn.q_proj.weight'), s.q, h * qHead, d);
    } else {
      this.gemv(s.a, w('self_attn.q_a_proj.weight'), s.qa, c.qLoraRank, d);
      b.rmsNorm(s.qa, w('self_attn.q_a_layernorm.weight'), s.qaNorm, s.rstd, 1, c.qLoraRank, c.rmsNormEps);
      this.gemv(s.qaNorm, w('self_attn.q_b_proj.weight'), s.q, h * qHead, c.qLoraRank);
    }
    // The cache row: [RMSNorm(ckv), rope(kPe)], rounded to the cache's dtype, written in place.
    this.gemv(s.a, w('self_attn.kv_a_proj_with_mqa.weight'), s.kva, width, d);
    b.rmsNorm(s.kva, w('self_attn.kv_a_layernorm.weight'), s.row, s.rstd, 1, latent, c.rmsNormEps);
    b.copy(at(s.kva, latent, [r, 1]), dense(s.kPeRaw, r), [1, r]);
    this.rope(s.kPeRaw, s.kPe, 1);
    b.copy(dense(s.kPe, r), at(s.row, latent, [r, 1]), [1, r]);
    const rows = cache.rows.storage;
    let row = s.row;
    if (rows.dtype !== 'f32') {
      row = this.narrowRow(rows.dtype);
      b.cast(s.row, row);
    }
    b.copy(dense(row, width), at(rows, cache.row * width, [width, 1]), [1, width]);
    // The absorbed query per head: [q_nope · W_UK, rope(q_pe)].
    b.copy(at(s.q, nope, [qHead, 1]), dense(s.qPeRaw, r), [h, r]);
    this.rope(s.qPeRaw, s.qPe, h);
    const kvB = w('self_attn.kv_b_proj.weight');
    const kvHead = (nope + v) * latent;
    b.matmul(s.q, kvB, s.qLatent, batched(h, 1, latent, nope, false, qHead, kvHead));
    b.copy(dense(s.qLatent, latent), at(s.query, 0, [width, 1]), [h, latent]);
    b.copy(dense(s.qPe, r), at(s.query, latent, [width, 1]), [h, r]);
    // Attention over rows [0, row] of the cache: one shared KV head, keys [ckv, kPe], values ckv.
    const p = { heads: h, length: cache.row + 1, width, valueDim: latent, scale: this.softmaxScale };
    b.latentAttention(s.query, rows, s.attended, p);
    // Back through W_UV, each head's v rows of kv_b_proj, read in place after its k_nope rows.
    b.matmul(s.attended, kvB, s.o, {
      ...batched(h, 1, v, latent, true, latent, kvHead),
      bOffset: nope * latent,
    });
    this.gemv(s.o, w('self_attn.o_proj.weight'), s.attnOut, d, h * v);
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
