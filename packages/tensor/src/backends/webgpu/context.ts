/// <reference types="@webgpu/types" />
import { type DType, type Storage, storageBytes } from '../../backend.js';
import type { DeviceHealth } from './device.js';
import { align, type Encoder } from './encoder.js';
import type { BufferPool } from './pool.js';
import type { KernelVariants } from './variants.js';
import type { Params } from './wgsl.js';

/**
 * A WebGPU storage: `size` elements of `dtype` in a pooled buffer (16-bit dtypes packed two per word, q8/q4 as
 * their packed planes: src/quant.ts).
 */
export class GPUStorage implements Storage {
  constructor(
    readonly size: number,
    readonly dtype: DType,
    readonly buffer: GPUBuffer,
  ) {}

  /** Bytes the elements occupy, rounded up to whole 32-bit words. */
  get bytes(): number {
    return align(storageBytes(this.size, this.dtype), 4);
  }
}

/** What every kernel needs: where to record work and where scratch buffers come from. */
export interface KernelContext {
  device: GPUDevice;
  encoder: Encoder;
  pool: BufferPool;
  health: DeviceHealth;
  /** A software adapter (see isSoftwareDevice): kernels prefer barrier-free variants. */
  software: boolean;
  /** Kernel variants chosen for this adapter (see variants.ts). */
  variants: KernelVariants;
}

export function gpu(s: Storage): GPUStorage {
  return s as GPUStorage;
}

/** Binding numbers the kernel declares read_write. */
function writableBindings(code: string): Set<number> {
  const out = new Set<number>();
  for (const m of code.matchAll(/@binding\((\d+)\) var<storage, read_write>/g)) out.add(Number(m[1]));
  return out;
}

/**
 * Records one dispatch of `code` with `params` at binding 0 and `storages` at bindings 1..n.
 * WebGPU forbids binding one buffer as writable and as anything else in the same dispatch, so when a
 * caller passes an output that is also an input (an in-place op), the input is read from a copy.
 */
export function launch(
  ctx: KernelContext,
  kernel: string,
  code: string,
  params: Params,
  storages: Storage[],
  workgroups: [number, number?, number?],
): void {
  const writable = writableBindings(code);
  const copies: GPUStorage[] = [];
  const bindings = storages.map((s, i) => {
    let g = gpu(s);
    ctx.health.checkBinding(g.bytes, kernel);
    const aliased = storages.some((o, j) => j !== i && gpu(o).buffer === g.buffer && writable.has(j + 1));
    if (aliased && !writable.has(i + 1)) {
      const copy = scratch(ctx, g.size, g.dtype);
      ctx.encoder.copy(g.buffer, 0, copy.buffer, 0, g.bytes);
      copies.push(copy);
      g = copy;
    }
    return { buffer: g.buffer, bytes: g.bytes };
  });
  ctx.encoder.dispatch(code, params.toArray(), bindings, workgroups);
  releaseScratch(ctx, ...copies);
}

/** A scratch storage for one kernel; released right after recording (it is reused only after the submit). */
export function scratch(ctx: KernelContext, size: number, dtype: DType): GPUStorage {
  const bytes = align(storageBytes(Math.max(1, size), dtype), 4);
  return new GPUStorage(size, dtype, ctx.pool.acquire(bytes));
}

export function releaseScratch(ctx: KernelContext, ...storages: GPUStorage[]): void {
  for (const s of storages) ctx.pool.release(s.buffer);
}
