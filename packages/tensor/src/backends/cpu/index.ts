import { type Backend, type DType, type HostData, type Storage, storageBytes } from '../../backend.js';
import { DeviceError } from '../../errors.js';
import { isQuantized } from '../../quant.js';
import { adamw } from './kernels/adamw.js';
import { attention, attentionBackward } from './kernels/attention.js';
import { cast, toFloatArray } from './kernels/cast.js';
import { copy } from './kernels/copy.js';
import { crossEntropy, crossEntropyBackward, crossEntropyGrad } from './kernels/cross-entropy.js';
import { binary, unary, where } from './kernels/elementwise.js';
import { fill, rng } from './kernels/fill.js';
import { gather, scatterAdd } from './kernels/gather.js';
import { latentAttention } from './kernels/latent-attention.js';
import { matmul } from './kernels/matmul.js';
import { reduce } from './kernels/reduce.js';
import { rmsNorm, rmsNormBackward } from './kernels/rms-norm.js';
import { rope } from './kernels/rope.js';
import { softmax, softmaxBackward } from './kernels/softmax.js';
import { swiglu, swigluBackward } from './kernels/swiglu.js';
import { topk } from './kernels/topk.js';
import { ArrayPool } from './pool.js';
import { allocArray, type CpuStorage, raw } from './storage.js';
import { residentMemory } from './wasm/gemv.js';

/** Default bound on the freed arrays a CPU backend keeps for reuse. */
const POOL_BYTES = 256 * 2 ** 20;

export interface CpuBackendOptions {
  /**
   * Reference mode: f32 tensors are stored and computed in f64 (Float64Array). The conformance suite
   * uses it as the exact reference every backend is checked against.
   */
  float64?: boolean;
  /** Bytes of freed arrays kept for reuse by later allocations of the same size (default 256 MiB; 0 turns reuse off). */
  poolBytes?: number;
  /**
   * How the decode GEMV (m < 8) computes x @ Wᵀ over q8/q4 weights: 'int8' (default) quantizes each row of x to
   * int8 per block of 32 (Q8_0: d = max|x|/127) and takes integer dot products with the weight codes, as
   * llama.cpp does (1.4-2.4x faster; each element of x moves by up to max|x|/254 of its block); 'f32'
   * multiplies the codes by x in f32 (dequantize-then-f32 accuracy). Other products are unaffected.
   */
  quantizedActivations?: 'int8' | 'f32';
}

/** The TypeScript CPU backend: host arrays, synchronous kernels. */
export function createCpuBackend(opts: CpuBackendOptions = {}): Backend {
  const float64 = opts.float64 ?? false;
  const pool = new ArrayPool(opts.poolBytes ?? POOL_BYTES);
  const read = (s: Storage): Float32Array | Int32Array => {
    if (s.dtype === 'i32') return Int32Array.from(raw(s) as Int32Array);
    return toFloatArray(s);
  };
  return {
    name: 'cpu',
    alloc(size: number, dtype: DType): CpuStorage {
      try {
        // the pool keys arrays by length, which for packed q8/q4 bytes is not the element count
        const pooled = isQuantized(dtype) ? undefined : pool.take(dtype, size);
        return { size, dtype, data: pooled ?? allocArray(size, dtype, float64) };
      } catch (err) {
        const bytes = storageBytes(size, dtype) * (float64 && dtype === 'f32' ? 2 : 1);
        throw new DeviceError(
          `cpu: cannot allocate ${size} ${dtype} elements (${bytes} bytes): ${(err as Error).message}`,
        );
      }
    },
    free(s: Storage) {
      if (!isQuantized(s.dtype)) pool.give(s.dtype, raw(s));
    },
    upload(s: Storage, data: HostData) {
      raw(s).set(data);
    },
    write(s: Storage, byteOffset: number, bytes: Uint8Array) {
      // a streamed load: make the storage resident before its first bytes land, so that the weights are written
      // once, where the GEMV reads them, not moved there (a second copy) at the first product
      if (byteOffset === 0) residentMemory(s);
      const data = raw(s);
      if (data instanceof Float64Array) {
        // reference mode keeps f32 as f64: widen the little-endian f32 words
        const words = new Float32Array(bytes.slice().buffer, 0, bytes.byteLength / 4);
        data.set(words, byteOffset / 4);
      } else {
        new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes, byteOffset);
      }
    },
    read: async (s) => read(s),
    readSync: read,
    sync: async () => {},
    destroy() {
      pool.clear();
    },
    fill,
    rng,
    unary,
    binary,
    where,
    reduce,
    topk,
    matmul: (a, b, out, p) => matmul(a, b, out, p, opts.quantizedActivations ?? 'int8'),
    gather,
    scatterAdd,
    softmax,
    softmaxBackward,
    crossEntropy,
    crossEntropyBackward,
    crossEntropyGrad,
    rmsNorm,
    rmsNormBackward,
    swiglu,
    swigluBackward,
    rope,
    attention,
    attentionBackward,
    latentAttention,
    cast,
    copy,
    adamw,
  };
}
