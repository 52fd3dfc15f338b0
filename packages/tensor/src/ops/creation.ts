import { type Backend, type DType, storageBytes } from '../backend.js';
import { getBackend } from '../backends/index.js';
import { f32ToBf16Bits, f32ToF16Bits } from '../dtype.js';
import { ShapeError } from '../errors.js';
import { isQuantized, QUANT_BLOCK, quantize } from '../quant.js';
import { seedWords } from '../rng.js';
import { Tensor } from '../tensor.js';
import { newTensor } from './util.js';

export interface CreateOptions {
  dtype?: DType;
  backend?: Backend;
  requiresGrad?: boolean;
}

function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(
      `${op}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  }
}

/** A quantized tensor's rows are whole blocks. */
function checkBlocks(op: string, shape: readonly number[], dtype: DType): void {
  if (isQuantized(dtype) && (shape.length === 0 || (shape.at(-1) as number) % QUANT_BLOCK !== 0)) {
    throw new ShapeError(
      `${op}: ${dtype} needs a last dim that is a multiple of ${QUANT_BLOCK}, got [${shape}]`,
    );
  }
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Encode host numbers into the array type `upload` expects for dtype (q8/q4: quantized on the host). */
function encode(data: ArrayLike<number>, dtype: DType): Float32Array | Int32Array | Uint16Array | Uint8Array {
  if (isQuantized(dtype)) return quantize(data, dtype);
  if (dtype === 'i32') return data instanceof Int32Array ? data : Int32Array.from(data, Math.trunc);
  if (dtype === 'f32') return data instanceof Float32Array ? data : Float32Array.from(data);
  const bits = new Uint16Array(data.length);
  const convert = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
  for (let i = 0; i < data.length; i++) bits[i] = convert(data[i]);
  return bits;
}

/**
 * A tensor from host data. Default dtype: i32 for an Int32Array, else f32. A Uint16Array with dtype f16
 * or bf16 is taken as raw bits (as read from a safetensors file). With dtype q8 or q4, numbers are quantized
 * (see src/quant.ts) and a Uint8Array is taken as the packed bytes; the last dim must be a multiple of 32.
 */
export function tensor(
  data: ArrayLike<number> | Float32Array | Int32Array | Uint16Array | Uint8Array,
  shape: readonly number[],
  opts: CreateOptions = {},
): Tensor {
  checkShape('tensor', shape);
  const dtype = opts.dtype ?? (data instanceof Int32Array ? 'i32' : 'f32');
  const size = shape.reduce((a, b) => a * b, 1);
  const packed = data instanceof Uint8Array && isQuantized(dtype);
  checkBlocks('tensor', shape, dtype);
  if (packed && data.length !== storageBytes(size, dtype)) {
    throw new ShapeError(
      `tensor: ${data.length} bytes are not a packed ${dtype} [${shape}] (${storageBytes(size, dtype)} bytes)`,
    );
  }
  if (!packed && data.length !== size) {
    throw new ShapeError(
      `tensor: ${data.length} values do not fill shape [${shape}] (${size} elements) ${dtype}`,
    );
  }
  const backend = opts.backend ?? getBackend();
  const t = newTensor(backend, shape, dtype);
  const asIs = packed || (data instanceof Uint16Array && (dtype === 'f16' || dtype === 'bf16'));
  const raw = asIs ? (data as Uint16Array | Uint8Array) : encode(data, dtype);
  backend.upload(t.storage, raw);
  return finish(t, opts);
}

/**
 * A tensor of any dtype whose contents are undefined until written (e.g. with `backend.write`, as a checkpoint
 * load streams bytes into it).
 */
export function empty(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  checkShape('empty', shape);
  const dtype = opts.dtype ?? 'f32';
  checkBlocks('empty', shape, dtype);
  return finish(newTensor(opts.backend ?? getBackend(), shape, dtype), opts);
}

export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = opts.dtype ?? 'f32';
  if (isQuantized(dtype))
    return tensor(new Float32Array(shape.reduce((x, y) => x * y, 1)).fill(value), shape, opts);
  const backend = opts.backend ?? getBackend();
  const t = newTensor(backend, shape, dtype);
  if (dtype === 'f16' || dtype === 'bf16') {
    backend.fill(t.storage, (dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits)(value));
  } else {
    backend.fill(t.storage, value);
  }
  return finish(t, opts);
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** [0, 1, …, n-1]; i32 unless opts.dtype says otherwise. */
export function arange(n: number, opts: CreateOptions = {}): Tensor {
  const values = Array.from({ length: n }, (_, i) => i);
  return tensor(values, [n], { dtype: 'i32', ...opts });
}

/** A new tensor object over t's storage with t's layout (a free view); the storage lives until both are disposed. */
export function alias(t: Tensor): Tensor {
  return Tensor.share(t, t._liveRef, t.shape, t.strides, t.offset);
}

export interface RandomOptions extends CreateOptions {
  /** Non-negative integer; the same seed gives the same numbers on every backend (see rng.ts). */
  seed: number;
}

function random(
  op: string,
  shape: readonly number[],
  kind: 'uniform' | 'normal',
  a: number,
  b: number,
  opts: RandomOptions,
): Tensor {
  checkShape(op, shape);
  const [seedLo, seedHi] = seedWords(opts.seed);
  const backend = opts.backend ?? getBackend();
  const dtype = opts.dtype ?? 'f32';
  if (isQuantized(dtype)) {
    throw new ShapeError(
      `${op}: cannot sample ${dtype}; quantize host values with tensor(values, shape, { dtype })`,
    );
  }
  const t = newTensor(backend, shape, 'f32');
  backend.rng(t.storage, { kind, seedLo, seedHi, a, b });
  if (dtype === 'f32') return finish(t, opts);
  const narrow = newTensor(backend, shape, dtype);
  backend.cast(t.storage, narrow.storage);
  t.dispose();
  return finish(narrow, opts);
}

/** Normal samples (mean 0, std 1 unless given) from the seeded counter-based stream. */
export function randn(
  shape: readonly number[],
  opts: RandomOptions & { mean?: number; std?: number },
): Tensor {
  return random('randn', shape, 'normal', opts.mean ?? 0, opts.std ?? 1, opts);
}

/** Uniform samples in [low, high) (default [0, 1)) from the seeded counter-based stream. */
export function uniform(
  shape: readonly number[],
  opts: RandomOptions & { low?: number; high?: number },
): Tensor {
  return random('uniform', shape, 'uniform', opts.low ?? 0, opts.high ?? 1, opts);
}

/** A scalar on t's backend with t's dtype (f32 for narrow floats). */
export function scalarLike(t: Tensor, value: number): Tensor {
  return full([], value, { backend: t.backend, dtype: t.dtype === 'i32' ? 'i32' : 'f32' });
}
