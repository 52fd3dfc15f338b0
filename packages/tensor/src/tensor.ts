import { backward, type GradNode } from './autograd.js';
import type { Backend, DType, Storage } from './backend.js';
import { BackendError, DisposedError, TensorError } from './errors.js';
import { trackBytes, trackTensor, untrackTensor } from './memory.js';
import * as ops from './ops/index.js';
import type { MatmulOptions } from './ops/matmul.js';

/** A storage shared by a tensor and its reshape views; freed when the last reference is disposed. */
export interface StorageRef {
  readonly storage: Storage;
  refs: number;
}

let nextId = 0;

/**
 * An n-dimensional array on one backend. Tensors are contiguous row-major; `reshape` returns a view that
 * shares storage, every other op writes a new tensor. Create them with `tensor`, `zeros`, `randn`, … and
 * free them with `dispose()` or a `tidy` scope.
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
  /** @internal */
  _ref: StorageRef | null;
  /** @internal an op-internal intermediate: disposed when its graph node is released. */
  _transient = false;
  /** @internal set once backward() has consumed the graph that produced this tensor. */
  _graphReleased = false;

  /** @internal use the creation functions (tensor, zeros, …) instead. */
  constructor(backend: Backend, shape: readonly number[], dtype: DType, ref: StorageRef) {
    this.backend = backend;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = shape.reduce((a, b) => a * b, 1);
    this._ref = ref;
    trackTensor(this);
  }

  /** @internal allocate a fresh tensor. */
  static empty(backend: Backend, shape: readonly number[], dtype: DType): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    const storage = backend.alloc(size, dtype);
    trackBytes(backend.name, size, dtype, 1);
    return new Tensor(backend, shape, dtype, { storage, refs: 1 });
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this._ref === null;
  }

  /** @internal the backend storage; throws on a disposed tensor. */
  get storage(): Storage {
    if (!this._ref) {
      throw new DisposedError(`tensor #${this.id} [${this.shape}] ${this.dtype} was used after dispose()`);
    }
    return this._ref.storage;
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
    if (--ref.refs === 0) {
      this.backend.free(ref.storage);
      trackBytes(this.backend.name, ref.storage.size, ref.storage.dtype, -1);
    }
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
}
