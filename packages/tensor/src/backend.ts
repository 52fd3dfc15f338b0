/**
 * The Backend interface: what every backend (cpu, webgpu) implements.
 *
 * Backends throw `BackendError` when they cannot start (no WebGPU adapter: `initBackend('auto')` then falls
 * back to cpu) and `DeviceError` for device loss or a failed allocation (naming what was requested and the
 * limit). The tensor layer above this interface:
 *   - allocates every output storage itself (`alloc`) and passes it to the kernel, so kernels never allocate
 *     their outputs (they may keep scratch buffers);
 *   - only ever hands a kernel storages that came from the same backend;
 *   - hands kernels that take a bare Storage a dense row-major one: tensors are strided views of shared
 *     storages (permute, slice, broadcastTo make views), read in place by the kernels that take a View or
 *     a transpose flag (binary, where, copy, matmul) and materialized with `copy` for the others;
 *   - casts f16/bf16 inputs to f32 before calling a kernel unless the kernel's contract says it accepts them
 *     (matmul's `b`, gather's `table`, `cast`, `copy`, `upload`/`read`);
 *   - calls `read` (async) to get data back; `readSync` exists only where the data is host-resident (cpu).
 * Kernels enqueue work; a WebGPU backend should batch many dispatches per submit and flush on `read`/`sync`.
 * Numbers: all float math is f32 (f64 in the cpu reference mode); f16/bf16 are storage formats only
 * (bf16 = upper 16 bits of an f32, round-to-nearest-even on write; f16 = IEEE half). Booleans (comparison
 * results, `where` conditions) are f32 0/1. Shapes here are plain element counts; the op layer has already
 * validated them, so kernels do not re-check.
 * Random numbers: `rng` must produce exactly the stream documented in `src/rng.ts` (Philox4x32-10).
 */

import { isQuantized, type QuantizedDType, quantLayout } from './quant.js';

/**
 * Element dtypes, and the block-quantized weight formats q8/q4 (see src/quant.ts for their byte layout), which
 * only matmul's weight operand, gather's table, `cast` (to a float dtype), `upload` and `read` accept.
 */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | QuantizedDType;
export type BackendName = 'cpu' | 'webgpu';

/** Bytes per element of each element dtype. */
export const DTYPE_BYTES: Readonly<Record<Exclude<DType, QuantizedDType>, number>> = {
  f32: 4,
  f16: 2,
  bf16: 2,
  i32: 4,
};

/** Bytes of a storage of `size` elements of `dtype` (a quantized one's packed planes). */
export function storageBytes(size: number, dtype: DType): number {
  return isQuantized(dtype) ? quantLayout(size, dtype).bytes : size * DTYPE_BYTES[dtype];
}

/** An opaque handle to `size` elements of `dtype` owned by one backend. Backends extend it. */
export interface Storage {
  readonly size: number;
  readonly dtype: DType;
}

/**
 * Host data for `upload`: f32 storage takes Float32Array (or Float64Array in cpu reference mode),
 * i32 takes Int32Array, f16/bf16 take their raw bits as Uint16Array, q8/q4 their packed bytes as Uint8Array.
 */
export type HostData = Float32Array | Float64Array | Int32Array | Uint16Array | Uint8Array;

export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'silu' | 'gelu' | 'tanh' | 'sigmoid' | 'abs';

/**
 * Binary ops. Arithmetic ops take a, b and out of one dtype (f32, or i32 for add/sub/mul/max/min).
 * Comparisons take f32 or i32 inputs and write f32 0/1.
 * `silu_grad` / `gelu_grad`: a = x, b = dy, out = dy * d(act)/dx (x) — fused backward helpers.
 * gelu is the tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'max'
  | 'min'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'silu_grad'
  | 'gelu_grad';

/** sum/max/min write f32; argmax writes i32 (first index of the maximum). */
export type ReduceOp = 'sum' | 'max' | 'min' | 'argmax';

/** A strided view of a storage: element (i0..in) lives at offset + sum(ik * strides[k]). Rank ≤ 6. */
export interface View {
  storage: Storage;
  offset: number;
  strides: readonly number[];
}

export interface MatmulParams {
  /** Number of independent products (batch dims already flattened by the op layer). */
  batch: number;
  m: number;
  n: number;
  k: number;
  /** a is stored [batch][k][m] instead of [batch][m][k]. */
  transposeA: boolean;
  /** b is stored [batch][n][k] instead of [batch][k][n] (the usual `x @ W^T` with W [out, in]). */
  transposeB: boolean;
  /** Element stride between consecutive batch matrices of a / b; 0 broadcasts one matrix over the batch. */
  aBatchStride: number;
  bBatchStride: number;
  /** Element index of a's / b's first matrix in its storage (a strided view's offset); default 0. */
  aOffset?: number;
  bOffset?: number;
}

export interface RopeParams {
  /** x is [outer, t, heads, rotaryDim] contiguous; positions is i32 [t]. */
  outer: number;
  t: number;
  heads: number;
  /** Even. invFreq (a kernel argument) is f32 [rotaryDim/2], YaRN already applied by the op layer. */
  rotaryDim: number;
  /** Multiplier on cos and sin (YaRN mscale ratio; 1 for plain RoPE). */
  scale: number;
  /**
   * interleaved=true: the rotary dims are first de-interleaved (even indices then odd: view [r/2,2],
   * transpose, flatten), then rotated rotate-half style; the output stays de-interleaved (HF DeepSeek-V3
   * semantics). interleaved=false: plain rotate-half on the given layout.
   * For pair i < r/2 at position p, angle = p * invFreq[i]:
   *   out[i] = x0 cos - x1 sin, out[i + r/2] = x1 cos + x0 sin, (x0, x1) = the pair (after de-interleave).
   */
  interleaved: boolean;
  /** inverse=true applies the transpose (rotation by -angle, re-interleaving): the backward pass. */
  inverse: boolean;
}

export interface AttentionParams {
  batch: number;
  /** Query heads; kvHeads is heads or 1 (one KV head shared by every query head, MLA decode). */
  heads: number;
  kvHeads: number;
  tq: number;
  tk: number;
  /** q/k head dim and v head dim. */
  d: number;
  dv: number;
  scale: number;
  /** With causal, query row i (absolute position queryOffset + i) sees keys j <= queryOffset + i. */
  causal: boolean;
  queryOffset: number;
}

/** One-token attention over a latent cache (MLA decode); see Backend.latentAttention. */
export interface LatentAttentionParams {
  /** Query heads, all attending over the one shared cache. */
  heads: number;
  /** Cache rows attended: rows 0..length-1 (≥ 1; the cache may hold more rows, which are not read). */
  length: number;
  /** Row width: query and key length (kv_lora_rank + qk_rope_head_dim). */
  width: number;
  /** Values are the first valueDim (≤ width) columns of each row (kv_lora_rank). */
  valueDim: number;
  /** Multiplier on q·k. */
  scale: number;
}

export interface AdamWParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1 - beta1^step and 1 - beta2^step (computed by the caller). */
  biasCorrection1: number;
  biasCorrection2: number;
}

export interface RngParams {
  kind: 'uniform' | 'normal';
  /** 64-bit seed as two u32 words (Philox key). */
  seedLo: number;
  seedHi: number;
  /** uniform: [a, b); normal: mean a, std b. */
  a: number;
  b: number;
}

/**
 * Every kernel writes into storages the caller allocated. All tensors are row-major. "rows x cols" means a
 * contiguous [rows, cols] f32 matrix with the op applied along cols.
 */
export interface Kernels {
  /** out[i] = value for i < out.size (f32 or i32; f16/bf16: value is the element's 16-bit pattern). */
  fill(out: Storage, value: number): void;
  /** out[i] = the i-th number of the stream in src/rng.ts. out is f32. */
  rng(out: Storage, p: RngParams): void;
  /** out[i] = op(x[i]); x and out f32 of equal size. */
  unary(op: UnaryOp, x: Storage, out: Storage): void;
  /** out (contiguous, `shape`) = op(a, b) where a and b are broadcast views (stride 0 on broadcast dims). */
  binary(op: BinaryOp, a: View, b: View, out: Storage, shape: readonly number[]): void;
  /** out (contiguous, `shape`, f32) = cond != 0 ? a : b; cond, a, b f32 broadcast views. */
  where(cond: View, a: View, b: View, out: Storage, shape: readonly number[]): void;
  /** x f32 viewed as [outer, r, inner]; out [outer, inner] (f32, or i32 for argmax). r >= 1. */
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  /**
   * Per row of x (rows x cols f32): the k largest values (f32 [rows, k], largest first) and their column
   * indices (i32 [rows, k]); equal values by lower index, -0 equal to +0, NaN above everything.
   * 1 <= k <= min(cols, 256).
   */
  topk(x: Storage, values: Storage, indices: Storage, rows: number, cols: number, k: number): void;
  /**
   * out f32 [batch, m, n] = a @ b with f32 accumulation. a f32; b f32, f16 or bf16 (weights stored narrow), or
   * q8/q4 read in place (never a dequantized copy of the whole weight): its blocks run along b's stored rows
   * (k with transposeB, n without), and bOffset and bBatchStride are multiples of 32.
   * m = 1 is the decode GEMV path and should be fast.
   */
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void;
  /** out f32 [n, dim] = table[ids[i]] with table [rows, dim] f32/f16/bf16/q8/q4 (q: dim % 32 = 0), ids i32 [n] (in range). */
  gather(table: Storage, ids: Storage, out: Storage, n: number, dim: number): void;
  /** dTable f32 [rows, dim] += dOut f32 [n, dim] rows scattered to ids (duplicates accumulate). */
  scatterAdd(dOut: Storage, ids: Storage, dTable: Storage, n: number, dim: number): void;
  /** out = softmax (or log-softmax when log) of each row, rows x cols, numerically stable. */
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  /**
   * dx from y (the forward output) and dy: softmax: y * (dy - sum(dy*y)); log-softmax: dy - exp(y) * sum(dy).
   */
  softmaxBackward(y: Storage, dy: Storage, dx: Storage, rows: number, cols: number, log: boolean): void;
  /**
   * Per-row loss and weight. logits f32 [n, v], targets i32 [n], mask f32 [n] or null.
   * weight[i] = (targets[i] == ignoreIndex ? 0 : 1) * (mask ? mask[i] : 1);
   * loss[i] = weight[i] * (logsumexp(logits[i]) - logits[i, targets[i]]) (0 when weight is 0, never NaN).
   */
  crossEntropy(
    logits: Storage,
    targets: Storage,
    mask: Storage | null,
    loss: Storage,
    weight: Storage,
    n: number,
    v: number,
    ignoreIndex: number,
  ): void;
  /**
   * dLogits[i, j] = scale[0] * weight[i] * (softmax(logits[i])[j] - (j == targets[i])), where scale is an f32
   * [1] storage (dLoss / count, kept on device) and weight is computed as in crossEntropy.
   */
  crossEntropyBackward(
    logits: Storage,
    targets: Storage,
    mask: Storage | null,
    scale: Storage,
    dLogits: Storage,
    n: number,
    v: number,
    ignoreIndex: number,
  ): void;
  /**
   * Optional: crossEntropy's loss and weight and crossEntropyBackward's dLogits with scale 1, in one pass
   * (dLogits may alias logits). Where a backend lacks it, linearCrossEntropy runs the two kernels above.
   */
  crossEntropyGrad?(
    logits: Storage,
    targets: Storage,
    mask: Storage | null,
    loss: Storage,
    weight: Storage,
    dLogits: Storage,
    n: number,
    v: number,
    ignoreIndex: number,
  ): void;
  /** out = x * rstd * w, rstd f32 [rows] = 1/sqrt(mean(x^2)+eps); x rows x cols, w f32 [cols]. */
  rmsNorm(x: Storage, w: Storage, out: Storage, rstd: Storage, rows: number, cols: number, eps: number): void;
  /** dx [rows, cols] and dw [cols] (overwritten, summed over rows) from the saved rstd. */
  rmsNormBackward(
    x: Storage,
    w: Storage,
    rstd: Storage,
    dy: Storage,
    dx: Storage,
    dw: Storage,
    rows: number,
    cols: number,
  ): void;
  /** out = silu(gate) * up, all f32 of equal size. */
  swiglu(gate: Storage, up: Storage, out: Storage): void;
  swigluBackward(gate: Storage, up: Storage, dy: Storage, dGate: Storage, dUp: Storage): void;
  /** out [outer, t, heads, r] = rotated x (see RopeParams). positions i32 [t], invFreq f32 [r/2]. */
  rope(x: Storage, positions: Storage, invFreq: Storage, out: Storage, p: RopeParams): void;
  /**
   * Flash-style attention. q f32 [batch, heads, tq, d], k f32 [batch, kvHeads, tk, d], v f32
   * [batch, kvHeads, tk, dv]; out f32 [batch, heads, tq, dv]; lse f32 [batch, heads, tq] = logsumexp of the
   * scaled, masked scores of each row (saved for the backward; -Infinity for a fully masked row, whose out is 0).
   */
  attention(q: Storage, k: Storage, v: Storage, out: Storage, lse: Storage, p: AttentionParams): void;
  /**
   * dq, dk, dv (overwritten) from dOut, out and lse. With kvHeads = 1 the dk/dv of every query head are
   * summed into the single KV head.
   */
  attentionBackward(
    q: Storage,
    k: Storage,
    v: Storage,
    out: Storage,
    lse: Storage,
    dOut: Storage,
    dq: Storage,
    dk: Storage,
    dv: Storage,
    p: AttentionParams,
  ): void;
  /**
   * Attention of one token's query heads over a latent cache (MLA decode, one shared KV head): q f32
   * [heads, width], cache [≥ length, width] of any float dtype (read in place), out f32 [heads, valueDim] =
   * softmax(scale · q cacheᵀ) · cache[:, 0:valueDim] over rows 0..length-1. Forward only.
   */
  latentAttention(q: Storage, cache: Storage, out: Storage, p: LatentAttentionParams): void;
  /** out = x converted to out.dtype (any element dtype to any; float to i32 truncates toward zero; q8/q4 to a float dtype). */
  cast(x: Storage, out: Storage): void;
  /** dst view (shape) = src view (shape); same dtype, any dtype. Used for permute, slice, concat, expand. */
  copy(src: View, dst: View, shape: readonly number[]): void;
  /**
   * In-place fused AdamW on f32 param, m, v with f32 grad (decoupled weight decay):
   *   m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
   *   param -= lr * (m/bc1 / (sqrt(v/bc2) + eps) + weightDecay * param)
   */
  adamw(param: Storage, grad: Storage, m: Storage, v: Storage, p: AdamWParams): void;
}

export interface Backend extends Kernels {
  readonly name: BackendName;
  /**
   * Allocate `size` elements (contents undefined). Throws DeviceError when the allocation cannot be made.
   * `rowSize` (default 1) is the element count of one row of the outer dimension (size / shape[0]): a backend
   * that spreads a storage over several buffers (WebGPU, beyond one binding) cuts it between rows only.
   */
  alloc(size: number, dtype: DType, rowSize?: number): Storage;
  /** Release a storage (back to a pool or to the device). Never called twice for one storage. */
  free(storage: Storage): void;
  /** Copy host data in (see HostData for the array type of each dtype). */
  upload(storage: Storage, data: HostData): void;
  /**
   * Copy raw bytes into a storage from byte `byteOffset` (a multiple of 4) of its layout (f16/bf16 words, q8/q4
   * planes, little-endian f32/i32): a load streams a checkpoint tensor into its storage in bounded chunks.
   */
  write(storage: Storage, byteOffset: number, bytes: Uint8Array): void;
  /** Copy out: floats (f32/f16/bf16, q8/q4 dequantized) as Float32Array, i32 as Int32Array. Flushes pending work. */
  read(storage: Storage): Promise<Float32Array | Int32Array>;
  /** Synchronous read, only for host-resident backends (cpu). */
  readSync?(storage: Storage): Float32Array | Int32Array;
  /** Wait for all enqueued work to finish. */
  sync(): Promise<void>;
  /** Release every resource; the backend is unusable afterwards. */
  destroy(): void;
}

/** Options for loading a backend. */
export interface BackendOptions {
  /** WebGPU: use this device instead of requesting one. */
  device?: GPUDevice;
  /**
   * WebGPU in Node: let Dawn's native log reach stderr. By default the warnings Dawn prints while it
   * discovers adapters (`maxDynamicUniformBuffersPerPipelineLayout artificially reduced ...`) are captured
   * and shown only in the error when no adapter is found. Default: `AGENTLM_VERBOSE=1` in the environment.
   */
  verbose?: boolean;
  /**
   * WebGPU: bytes one buffer of a storage may hold, capping the device's maxStorageBufferBindingSize and
   * maxBufferSize (default: those limits). A bigger storage is split over several buffers (see the package
   * README); tests and benchmarks set this low to force splits. A multiple of 4, at least 256.
   */
  maxBindingBytes?: number;
}
