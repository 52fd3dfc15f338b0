import type { DType } from '../../backend.js';
import type { CpuArray } from './storage.js';

/**
 * Freed host arrays kept for reuse, by dtype and length. A training step allocates the same sizes every
 * step (activations, gradients, temporaries); reusing them saves zeroing fresh memory, the page faults of
 * first touch and most of the garbage collector's work. Arrays come back with stale contents, which the
 * Backend contract allows (`alloc`: contents undefined). At most `limitBytes` are kept; beyond that freed
 * arrays are left to the garbage collector.
 */
export class ArrayPool {
  private readonly lists = new Map<DType, Map<number, CpuArray[]>>();
  private bytes = 0;

  constructor(private readonly limitBytes: number) {}

  /** A pooled array of this dtype and length, or undefined. */
  take(dtype: DType, size: number): CpuArray | undefined {
    const array = this.lists.get(dtype)?.get(size)?.pop();
    if (array) this.bytes -= array.byteLength;
    return array;
  }

  give(dtype: DType, array: CpuArray): void {
    if (array.length === 0 || this.bytes + array.byteLength > this.limitBytes) return;
    const bySize = this.lists.get(dtype) ?? new Map<number, CpuArray[]>();
    this.lists.set(dtype, bySize);
    const list = bySize.get(array.length) ?? [];
    bySize.set(array.length, list);
    list.push(array);
    this.bytes += array.byteLength;
  }

  clear(): void {
    this.lists.clear();
    this.bytes = 0;
  }
}
