/// <reference types="@webgpu/types" />
import {
  type Backend,
  type BackendOptions,
  type DType,
  type HostData,
  type Storage,
  storageBytes,
} from '../../backend.js';
import { bf16BitsToF32, f16BitsToF32 } from '../../dtype.js';
import { BackendError } from '../../errors.js';
import { dequantize, isQuantized } from '../../quant.js';
import { GPUStorage, gpu, type KernelContext, partsOf, SplitStorage } from './context.js';
import { acquireDevice, DeviceHealth, isSoftwareDevice } from './device.js';
import { align, Encoder, type EncoderStats } from './encoder.js';
import { adamw } from './kernels/adamw.js';
import { attention } from './kernels/attention.js';
import { attentionBackward } from './kernels/attention-backward.js';
import { cast } from './kernels/cast.js';
import { copy } from './kernels/copy.js';
import { crossEntropy, crossEntropyBackward } from './kernels/cross-entropy.js';
import { binary, swiglu, swigluBackward, unary, where } from './kernels/elementwise.js';
import { fill } from './kernels/fill.js';
import { gather } from './kernels/gather.js';
import { latentAttention } from './kernels/latent-attention.js';
import { matmul } from './kernels/matmul.js';
import { reduce } from './kernels/reduce.js';
import { rmsNorm, rmsNormBackward } from './kernels/rms-norm.js';
import { rng } from './kernels/rng.js';
import { rope } from './kernels/rope.js';
import { scatterAdd } from './kernels/scatter-add.js';
import { softmax, softmaxBackward } from './kernels/softmax.js';
import { topk } from './kernels/topk.js';
import { BufferPool, type PoolStats } from './pool.js';
import { allocSplit, writeSplit } from './split.js';
import { applyOverrides, chooseVariants, type KernelVariants } from './variants.js';

/** Counters a WebGPU backend exposes for tests and tuning (pool reuse, pipeline cache hits, submits). */
export interface WebGPUStats extends PoolStats, EncoderStats {}

/** The WebGPU backend: the Backend interface plus its device and counters. */
export interface WebGPUBackend extends Backend {
  readonly device: GPUDevice;
  /** The kernel variants this backend runs (chosen from the adapter; see KernelVariants). */
  readonly variants: KernelVariants;
  stats(): WebGPUStats;
}

function widen16(bits: Uint16Array, dtype: DType): Float32Array {
  const out = new Float32Array(bits.length);
  const conv = dtype === 'f16' ? f16BitsToF32 : bf16BitsToF32;
  for (let i = 0; i < bits.length; i++) out[i] = conv(bits[i]);
  return out;
}

/** The elements of a storage's raw bytes as `read` returns them (q8/q4 dequantized, 16-bit widened). */
function decode(bytes: ArrayBuffer, dtype: DType, size: number): Float32Array | Int32Array {
  if (isQuantized(dtype))
    return dequantize(new Uint8Array(bytes), dtype, size, 0, size, new Float32Array(size));
  if (dtype === 'i32') return new Int32Array(bytes);
  if (dtype === 'f32') return new Float32Array(bytes);
  return widen16(new Uint16Array(bytes), dtype);
}

/** The bytes one buffer of a storage may hold: the binding limit, and a pool size class under maxBufferSize. */
function partLimit(device: GPUDevice, requested: number | undefined): number {
  const { maxStorageBufferBindingSize, maxBufferSize } = device.limits;
  // the pool rounds a buffer up by at most 1/8 (pool.ts sizeClass)
  const limit = Math.min(maxStorageBufferBindingSize, Math.floor((maxBufferSize * 8) / 9 / 4) * 4);
  if (requested === undefined) return limit;
  if (!Number.isInteger(requested) || requested < 256 || requested % 4 !== 0) {
    throw new BackendError(
      `createWebGPUBackend: maxBindingBytes ${requested} is not a multiple of 4 of at least 256`,
    );
  }
  return Math.min(requested, limit);
}

/**
 * Creates a WebGPU backend on `opts.device`, or on a device requested from navigator.gpu / Dawn with
 * the adapter's real limits. Throws BackendError when no adapter exists.
 */
export async function createWebGPUBackend(
  opts: BackendOptions & { variants?: Partial<KernelVariants> } = {},
): Promise<WebGPUBackend> {
  const { device, owned } = await acquireDevice(opts);
  const software = isSoftwareDevice(device);
  let variants: KernelVariants;
  let maxPartBytes: number;
  try {
    maxPartBytes = partLimit(device, opts.maxBindingBytes);
    variants = applyOverrides(device, chooseVariants(device, software), opts.variants);
  } catch (e) {
    if (owned) device.destroy();
    throw e;
  }
  const health = new DeviceHealth(device);
  const pool = new BufferPool(device, health);
  const encoder = new Encoder(device, pool, health);
  const ctx: KernelContext = { device, encoder, pool, health, software, variants };
  let destroyed = false;

  const backend: WebGPUBackend = {
    name: 'webgpu',
    device,
    variants,
    alloc(size: number, dtype: DType, rowSize = 1): Storage {
      const bytes = align(storageBytes(Math.max(1, size), dtype), 4);
      if (bytes <= maxPartBytes) return new GPUStorage(size, dtype, pool.acquire(bytes));
      health.check();
      return allocSplit(pool, size, dtype, rowSize, maxPartBytes);
    },
    free(storage: Storage): void {
      if (!destroyed) for (const p of partsOf(storage)) pool.release(p.storage.buffer);
    },
    upload(storage: Storage, data: HostData): void {
      const src = data instanceof Float64Array ? Float32Array.from(data) : data;
      backend.write(storage, 0, new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    },
    write(storage: Storage, byteOffset: number, bytes: Uint8Array): void {
      health.check();
      if (storage instanceof SplitStorage) {
        writeSplit(device.queue, storage, byteOffset, bytes);
        return;
      }
      // writeBuffer wants a multiple of 4 bytes: a ragged tail is padded (the storage's bytes are word-aligned)
      const data = bytes.byteLength % 4 === 0 ? bytes : padTo4(bytes);
      device.queue.writeBuffer(
        gpu(storage).buffer,
        byteOffset,
        data.buffer,
        data.byteOffset,
        data.byteLength,
      );
    },
    async read(storage: Storage): Promise<Float32Array | Int32Array> {
      if (!(storage instanceof SplitStorage)) {
        const s = gpu(storage);
        return decode(await encoder.read(s.buffer, storageBytes(s.size, s.dtype)), s.dtype, s.size);
      }
      // part by part, so no staging buffer exceeds one part
      const out = storage.dtype === 'i32' ? new Int32Array(storage.size) : new Float32Array(storage.size);
      for (const { start, storage: p } of storage.parts) {
        out.set(decode(await encoder.read(p.buffer, storageBytes(p.size, p.dtype)), p.dtype, p.size), start);
      }
      return out;
    },
    async sync(): Promise<void> {
      encoder.flush();
      await device.queue.onSubmittedWorkDone();
      health.check();
    },
    destroy(): void {
      if (destroyed) return;
      destroyed = true;
      pool.trim();
      encoder.destroy();
      if (owned) device.destroy();
    },
    stats: () => ({ ...pool.stats(), ...encoder.stats() }),
    fill: (out, value) => fill(ctx, out, value),
    rng: (out, p) => rng(ctx, out, p),
    unary: (op, x, out) => unary(ctx, op, x, out),
    binary: (op, a, b, out, shape) => binary(ctx, op, a, b, out, shape),
    where: (cond, a, b, out, shape) => where(ctx, cond, a, b, out, shape),
    reduce: (op, x, out, outer, r, inner) => reduce(ctx, op, x, out, outer, r, inner),
    topk: (x, values, indices, rows, cols, k) => topk(ctx, x, values, indices, rows, cols, k),
    matmul: (a, b, out, p) => matmul(ctx, a, b, out, p),
    gather: (table, ids, out, n, dim) => gather(ctx, table, ids, out, n, dim),
    scatterAdd: (dOut, ids, dTable, n, dim) => scatterAdd(ctx, dOut, ids, dTable, n, dim),
    softmax: (x, out, rows, cols, log) => softmax(ctx, x, out, rows, cols, log),
    softmaxBackward: (y, dy, dx, rows, cols, log) => softmaxBackward(ctx, y, dy, dx, rows, cols, log),
    crossEntropy: (logits, targets, mask, loss, weight, n, v, ignoreIndex) =>
      crossEntropy(ctx, logits, targets, mask, loss, weight, n, v, ignoreIndex),
    crossEntropyBackward: (logits, targets, mask, scale, dLogits, n, v, ignoreIndex) =>
      crossEntropyBackward(ctx, logits, targets, mask, scale, dLogits, n, v, ignoreIndex),
    rmsNorm: (x, w, out, rstd, rows, cols, eps) => rmsNorm(ctx, x, w, out, rstd, rows, cols, eps),
    rmsNormBackward: (x, w, rstd, dy, dx, dw, rows, cols) =>
      rmsNormBackward(ctx, x, w, rstd, dy, dx, dw, rows, cols),
    swiglu: (gate, up, out) => swiglu(ctx, gate, up, out),
    swigluBackward: (gate, up, dy, dGate, dUp) => swigluBackward(ctx, gate, up, dy, dGate, dUp),
    rope: (x, positions, invFreq, out, p) => rope(ctx, x, positions, invFreq, out, p),
    attention: (q, k, v, out, lse, p) => attention(ctx, q, k, v, out, lse, p),
    attentionBackward: (q, k, v, out, lse, dOut, dq, dk, dv, p) =>
      attentionBackward(ctx, q, k, v, out, lse, dOut, dq, dk, dv, p),
    latentAttention: (q, cache, out, p) => latentAttention(ctx, q, cache, out, p),
    cast: (x, out) => cast(ctx, x, out),
    copy: (src, dst, shape) => copy(ctx, src, dst, shape),
    adamw: (param, grad, m, v, p) => adamw(ctx, param, grad, m, v, p),
  };
  return backend;
}

/** `bytes` zero-padded to a whole number of 32-bit words (what writeBuffer accepts). */
function padTo4(bytes: Uint8Array): Uint8Array {
  const padded = new Uint8Array(align(bytes.byteLength, 4));
  padded.set(bytes);
  return padded;
}
