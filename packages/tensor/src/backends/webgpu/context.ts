/// <reference types="@webgpu/types" />
import { type DType, type Storage, storageBytes } from '../../backend.js';
import { DeviceError } from '../../errors.js';
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

/** One buffer of a split storage: its elements [start, start + storage.size) as a storage of their own. */
export interface StoragePart {
  start: number;
  storage: GPUStorage;
}

/**
 * A storage too big for one binding, spread over several buffers (split.ts): cut between rows of its outer
 * dimension, each part at most `maxPartBytes` and laid out as a storage of its own (a q8/q4 part has its own
 * planes). Only the kernels that loop over parts take it; `launch` refuses it for every other kernel.
 */
export class SplitStorage implements Storage {
  constructor(
    readonly size: number,
    readonly dtype: DType,
    readonly parts: readonly StoragePart[],
    readonly maxPartBytes: number,
  ) {}

  get bytes(): number {
    return this.parts.reduce((n, p) => n + p.storage.bytes, 0);
  }
}

/** The parts of a storage: a split one's, or the one buffer of any other. */
export function partsOf(s: Storage): readonly StoragePart[] {
  return s instanceof SplitStorage ? s.parts : [{ start: 0, storage: gpu(s) }];
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

/** A storage as one buffer; a split storage here is a bug in the caller (kernels go through `launch` or `partsOf`). */
export function gpu(s: Storage): GPUStorage {
  if (s instanceof SplitStorage)
    throw new Error(`a split ${s.dtype} storage of ${s.size} elements has no one buffer`);
  return s as GPUStorage;
}

/** The refusal of a kernel that does not take split storages: names the kernel, the storage and the limit. */
export function splitRefusal(kernel: string, s: SplitStorage): DeviceError {
  return new DeviceError(
    `${kernel}: a ${s.dtype} storage of ${s.size} elements (${s.bytes} bytes) spans ${s.parts.length} buffers, each binding at most ${s.maxPartBytes} bytes (maxStorageBufferBindingSize); ${kernel} does not take split storages (gather's table, matmul's weight, cast, fill, rng, whole-storage copy, upload, write and read do)`,
  );
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
  const split = storages.find((s) => s instanceof SplitStorage);
  if (split) throw splitRefusal(kernel, split as SplitStorage);
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
