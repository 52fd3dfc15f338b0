/// <reference types="@webgpu/types" />
import { BUFFER_USAGE, type DeviceHealth } from './device.js';

const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

/**
 * Size classes: powers of two up to 1 MiB, then steps of 1/8 octave, so a freed buffer is reused by
 * any request within ~12% of its size without wasting more than that.
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (b <= 1 << 20) return 2 ** Math.ceil(Math.log2(b));
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Bytes of GPU buffers the pool holds, in use or free. */
  allocatedBytes: number;
  /** Bytes of buffers handed out and not yet released. */
  inUseBytes: number;
  buffersInUse: number;
  /** Acquisitions served from a free list / by creating a buffer. */
  reuses: number;
  creations: number;
}

/**
 * A pool of storage buffers keyed by size class. Released buffers are parked until the pending
 * commands are submitted: a buffer may still be read by a recorded dispatch, and a fresh upload into
 * it (queue.writeBuffer runs before the not-yet-submitted commands) would corrupt that read.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  private readonly inUse = new Set<GPUBuffer>();
  private allocatedBytes = 0;
  private inUseBytes = 0;
  private reuses = 0;
  private creations = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly health: DeviceHealth,
  ) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    let buffer = this.free.get(size)?.pop();
    if (buffer) {
      this.reuses++;
    } else {
      this.health.checkAllocation(size);
      this.device.pushErrorScope('out-of-memory');
      buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
      this.device
        .popErrorScope()
        .then((err) => this.health.recordOutOfMemory(`createBuffer of ${size} bytes`, err));
      this.allocatedBytes += size;
      this.creations++;
    }
    this.inUse.add(buffer);
    this.inUseBytes += size;
    return buffer;
  }

  /** Returns a buffer; it becomes reusable after the next submit (see the class comment). */
  release(buffer: GPUBuffer): void {
    if (!this.inUse.delete(buffer)) return;
    this.inUseBytes -= buffer.size;
    this.parked.push(buffer);
  }

  /** Called right after a submit: parked buffers become reusable. */
  afterSubmit(): void {
    for (const b of this.parked) {
      const list = this.free.get(b.size);
      if (list) list.push(b);
      else this.free.set(b.size, [b]);
    }
    this.parked = [];
  }

  /** Destroys every free buffer (memory pressure, or backend disposal). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  stats(): PoolStats {
    return {
      allocatedBytes: this.allocatedBytes,
      inUseBytes: this.inUseBytes,
      buffersInUse: this.inUse.size,
      reuses: this.reuses,
      creations: this.creations,
    };
  }
}
