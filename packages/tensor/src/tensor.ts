import { backward, type GradNode } from './autograd.js';
import type { Backend, DType, Storage, View } from './backend.js';
import { BackendError, DisposedError, ShapeError, TensorError } from './errors.js';
import { contiguousStrides, isRowMajor } from './layout.js';
import { trackBytes, trackTensor, untrackTensor } from './memory.js';
import * as ops from './ops/index.js';
import type { MatmulOptions } from './ops/matmul.js';
import { isQuantized } from './quant.js';

/** A storage shared by a tensor and its views; freed when the last reference is disposed. */
export interface StorageRef {
  readonly storage: Storage;
  refs: number;
  /** Bumped by in-place writes (AdamW) so that dense copies made of views know they are stale. */
  version: number;
}

function releaseRef(backend: Backend, ref: StorageRef): void {
  if (--ref.refs === 0) {
    backend.free(ref.storage);
    trackBytes(backend.name, ref.storage.size, ref.storage.dtype, -1);
  }
}

/** A fresh storage reference holding one reference. */
export function allocRef(backend: Backend, shape: readonly number[], dtype: DType): StorageRef {
  const size = shape.reduce((a, b) => a * b, 1);
  // one row of the outer dimension: where a backend may cut a storage too big for one buffer
  const rowSize = shape.length > 0 && shape[0] > 0 ? size / shape[0] : 1;
  const storage = backend.alloc(size, dtype, rowSize);
  trackBytes(backend.name, size, dtype, 1);
  return { storage, refs: 1, version: 0 };
}

let nextId = 0;

/**
 * An n-dimensional array on one backend: `shape` read through `strides` from element `offset` of a storage
 * that views share (reference-counted). `reshape`, `permute`, `transpose`, `slice`, `split` and
 * `broadcastTo` return views without copying; every other op writes a new dense tensor. Kernels that need
 * dense input get a dense copy of a view, made once and kept (see `storage`); `contiguous()` makes one
 * explicitly. Create tensors with `tensor`, `zeros`, `randn`, … and free them with `dispose()` or `tidy`.
 */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly backend: Backend;
  /** Number of elements. */
  readonly size: number;
  /** Leaf parameters set this; op outputs get it when an input has it. */
  requiresGrad = false;
  /** Accumulated gradient (f32) after backward(); kept out of tidy scopes. */
  grad: Tensor | null = null;
  /** @internal the graph node that produced this tensor. */
  _node: GradNode | null = null;
  /** Element step of each dim in the storage (0 on broadcast dims). */
  readonly strides: readonly number[];
  /** Element index of the first element in the storage. */
  readonly offset: number;
  /** @internal */
  _ref: StorageRef | null;
  /** @internal a dense copy of a view, made when a kernel needs one; `version` is its source's version. */
  _dense: { ref: StorageRef; version: number } | null = null;
  /** @internal an op-internal intermediate: disposed when its graph node is released. */
  _transient = false;
  /** @internal set once backward() has consumed the graph that produced this tensor. */
  _graphReleased = false;

  /** @internal use the creation functions (tensor, zeros, …) instead. */
  constructor(
    backend: Backend,
    shape: readonly number[],
    dtype: DType,
    ref: StorageRef,
    strides: readonly number[] = contiguousStrides(shape),
    offset = 0,
  ) {
    this.backend = backend;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    this.offset = offset;
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this._ref = ref;
    trackTensor(this);
  }

  /** @internal allocate a fresh dense tensor. */
  static empty(backend: Backend, shape: readonly number[], dtype: DType): Tensor {
    return new Tensor(backend, shape, dtype, allocRef(backend, shape, dtype));
  }

  /** @internal a new tensor reading `ref` (which gains a reference) through the given layout. */
  static share(
    like: Tensor,
    ref: StorageRef,
    shape: readonly number[],
    strides: readonly number[] = contiguousStrides(shape),
    offset = 0,
  ): Tensor {
    ref.refs++;
    return new Tensor(like.backend, shape, like.dtype, ref, strides, offset);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this._ref === null;
  }

  /** Whether the elements lie densely in row-major order (from any offset): views from permute, from
   * slices of inner dims and from broadcastTo do not. */
  get isContiguous(): boolean {
    return isRowMajor(this.shape, this.strides);
  }

  /** @internal the shared storage reference; throws on a disposed tensor. */
  get _liveRef(): StorageRef {
    if (!this._ref) {
      throw new DisposedError(`tensor #${this.id} [${this.shape}] ${this.dtype} was used after dispose()`);
    }
    return this._ref;
  }

  /** @internal whether the tensor is exactly its whole storage, row-major: what bare-Storage kernels take. */
  get _isWhole(): boolean {
    return this.offset === 0 && this._liveRef.storage.size === this.size && this.isContiguous;
  }

  /** @internal the strided view of the shared storage (kernels that take a View read it without copies). */
  get view(): View {
    return { storage: this._liveRef.storage, offset: this.offset, strides: this.strides };
  }

  /**
   * @internal a storage holding exactly this tensor, dense row-major: the shared storage itself, or for
   * a view a dense copy, made on first use (one strided-copy kernel) and kept until dispose or until the
   * source storage is written in place.
   */
  get storage(): Storage {
    return this._denseRef().storage;
  }

  /** @internal see `storage`. */
  _denseRef(): StorageRef {
    const ref = this._liveRef;
    if (this._isWhole) return ref;
    if (this._dense?.version === ref.version) return this._dense.ref;
    if (this._dense) releaseRef(this.backend, this._dense.ref);
    this._dense = null;
    if (isQuantized(this.dtype)) {
      throw new ShapeError(
        `a ${this.dtype} view [${this.shape}] (strides [${this.strides}], offset ${this.offset}) is read in place or not at all: only matmul (whole rows) and gather accept it`,
      );
    }
    const dense = allocRef(this.backend, this.shape, this.dtype);
    this.backend.copy(
      this.view,
      { storage: dense.storage, offset: 0, strides: contiguousStrides(this.shape) },
      this.shape,
    );
    this._dense = { ref: dense, version: ref.version };
    return dense;
  }

  /** Copy the values out (floats as Float32Array, i32 as Int32Array). */
  data(): Promise<Float32Array | Int32Array> {
    return this.backend.read(this.storage);
  }

  /** Synchronous copy-out; only backends with host memory (cpu) support it. */
  dataSync(): Float32Array | Int32Array {
    if (!this.backend.readSync) {
      throw new BackendError(
        `dataSync() is not available on the ${this.backend.name} backend; use await data()`,
      );
    }
    return this.backend.readSync(this.storage);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new TensorError(`item() needs a one-element tensor, got shape [${this.shape}]`, 'ITEM_SHAPE');
    }
    return (await this.data())[0];
  }

  /** Backpropagate from this one-element tensor; leaves get `.grad`. */
  backward(): void {
    backward(this);
  }

  /**
   * Free the storage reference and the gradient. Idempotent. The autograd graph through this tensor
   * stays usable as long as no backward needs this tensor's values.
   */
  dispose(): void {
    const ref = this._ref;
    if (!ref) return;
    this._ref = null;
    releaseRef(this.backend, ref);
    if (this._dense) releaseRef(this.backend, this._dense.ref);
    this._dense = null;
    untrackTensor(this);
    this.grad?.dispose();
    this.grad = null;
  }

  toString(): string {
    return `Tensor#${this.id}([${this.shape}], ${this.dtype}, ${this.backend.name})`;
  }

  // method forms of the ops
  add(b: Tensor | number): Tensor {
    return ops.add(this, b);
  }
  sub(b: Tensor | number): Tensor {
    return ops.sub(this, b);
  }
  mul(b: Tensor | number): Tensor {
    return ops.mul(this, b);
  }
  div(b: Tensor | number): Tensor {
    return ops.div(this, b);
  }
  pow(b: Tensor | number): Tensor {
    return ops.pow(this, b);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  silu(): Tensor {
    return ops.silu(this);
  }
  gelu(): Tensor {
    return ops.gelu(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  sum(axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return ops.sum(this, axes, keepDims);
  }
  mean(axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return ops.mean(this, axes, keepDims);
  }
  max(axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return ops.max(this, axes, keepDims);
  }
  argmax(axis = -1): Tensor {
    return ops.argmax(this, axis);
  }
  matmul(b: Tensor, opts?: MatmulOptions): Tensor {
    return ops.matmul(this, b, opts);
  }
  reshape(shape: readonly number[]): Tensor {
    return ops.reshape(this, shape);
  }
  permute(perm: readonly number[]): Tensor {
    return ops.permute(this, perm);
  }
  transpose(a = -2, b = -1): Tensor {
    return ops.transpose(this, a, b);
  }
  slice(starts: readonly number[], ends: readonly number[]): Tensor {
    return ops.slice(this, starts, ends);
  }
  split(sizes: readonly number[], axis = -1): Tensor[] {
    return ops.split(this, sizes, axis);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return ops.broadcastTo(this, shape);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
}
