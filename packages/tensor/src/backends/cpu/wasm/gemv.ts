import type { Storage } from '../../../backend.js';
import { type CpuStorage, raw } from '../storage.js';
import { gemvWasmBase64 } from './gemv-wasm.js';
import { decode16, heap, instantiate, type MatrixOperand, rowReader } from './loader.js';

/**
 * Decode-sized products (m < 8) with the WebAssembly SIMD matrix-vector kernels of gemv.wat; each row of A is
 * one GEMV. op(A) must not be transposed unless m = 1 (a [k, 1] column is also a row).
 *
 * A decode step reads every weight once, so the weights' bytes are the cost. Copying B into the module on
 * every call would move each weight three times (copy read + write, then the kernel's read), so f32 and bf16
 * weights are made resident instead: the first GEMV that reads a storage moves its array into an arena (the
 * memory of an instance of the module, sized once and never grown, so views into it stay valid) and points the
 * storage at that view. Every kernel reads and writes storages through `data`, so in-place updates (AdamW, a
 * KV cache's strided copies, uploads) land in the arena and the GEMV always reads current values, in place.
 * An arena region is released when its array is garbage-collected (the backend's pool may keep and reuse the
 * array for a later storage of the same size, which is then resident from the start). Beyond
 * `gemvResidency.limitBytes`, and for f16 weights, B is copied in per call as before (bf16 as 16-bit words).
 */
interface GemvKernels {
  gemv_n: Kernel;
  gemv_t: Kernel;
  gemv_n_bf16: Kernel;
  gemv_t_bf16: Kernel;
}
type Kernel = (x: number, b: number, y: number, k: number, n: number) => void;
type GemvModule = GemvKernels & { memory: WebAssembly.Memory };

/**
 * @internal Which weights are made resident: at least `minBytes` each, at most `limitBytes` in all. Residency moves
 * arrays rather than copying them, so the limit bounds address space (each arena is a wasm32 memory of its own),
 * not extra memory.
 */
export const gemvResidency = { minBytes: 4096, limitBytes: 8 * 2 ** 30 };

const PAGE = 65536;
/** Each arena starts with room for one product's x and y (k + n floats). */
export const ARENA_SCRATCH_BYTES = 2 ** 20;
const ARENA_BYTES = 256 * 2 ** 20;
/** A wasm32 memory holds at most 65536 pages. */
const MAX_ARENA_BYTES = 2 ** 32 - PAGE;
const ALIGN = 16;

/** @internal A fixed-size module instance whose memory holds resident weights after its scratch area. */
export class Arena {
  readonly floats: Float32Array;
  private top = ARENA_SCRATCH_BYTES;
  /** Released regions, sorted by offset, adjacent ones merged. */
  private readonly holes: { at: number; bytes: number }[] = [];

  private constructor(
    readonly kernels: GemvModule,
    readonly capacity: number,
  ) {
    this.floats = new Float32Array(kernels.memory.buffer);
  }

  static create(capacity: number): Arena | null {
    const kernels = instantiate<GemvKernels>(gemvWasmBase64);
    if (!kernels) return null;
    try {
      kernels.memory.grow(capacity / PAGE - kernels.memory.buffer.byteLength / PAGE);
    } catch {
      return null; // the host refused the memory: stream instead
    }
    return new Arena(kernels, capacity);
  }

  /** Byte offset of a free region of `bytes` (a multiple of ALIGN), or null when the arena is full. */
  allocate(bytes: number): number | null {
    const i = this.holes.findIndex((h) => h.bytes >= bytes);
    if (i >= 0) {
      const hole = this.holes[i] as { at: number; bytes: number };
      const at = hole.at;
      if (hole.bytes === bytes) this.holes.splice(i, 1);
      else Object.assign(hole, { at: at + bytes, bytes: hole.bytes - bytes });
      return at;
    }
    if (this.top + bytes > this.capacity) return null;
    this.top += bytes;
    return this.top - bytes;
  }

  release(at: number, bytes: number): void {
    let i = this.holes.findIndex((h) => h.at > at);
    if (i < 0) i = this.holes.length;
    this.holes.splice(i, 0, { at, bytes });
    const next = this.holes[i + 1];
    const hole = this.holes[i] as { at: number; bytes: number };
    if (next && hole.at + hole.bytes === next.at) {
      hole.bytes += next.bytes;
      this.holes.splice(i + 1, 1);
    }
    const prev = this.holes[i - 1];
    if (prev && prev.at + prev.bytes === hole.at) {
      prev.bytes += hole.bytes;
      this.holes.splice(i, 1);
    }
    const last = this.holes[this.holes.length - 1];
    if (last && last.at + last.bytes === this.top) {
      this.top = last.at;
      this.holes.pop();
    }
  }
}

const arenas: Arena[] = [];
/** The smallest arena capacity the host refused: larger ones are not tried again. */
let refused = Number.POSITIVE_INFINITY;
const arenaOf = new WeakMap<ArrayBufferLike, Arena>();
let residentBytes = 0;
const regions = new FinalizationRegistry<{ arena: Arena; at: number; bytes: number }>((r) => {
  r.arena.release(r.at, r.bytes);
  residentBytes -= r.bytes;
});

/** @internal Bytes of weights resident in arenas now. */
export function gemvResidentBytes(): number {
  return residentBytes;
}

/** Moves `storage`'s array into an arena (returning the new view), or null when it stays where it is. */
function makeResident(storage: Storage, data: Float32Array | Uint16Array): Float32Array | Uint16Array | null {
  const bytes = Math.ceil(data.byteLength / ALIGN) * ALIGN;
  if (bytes < gemvResidency.minBytes || residentBytes + bytes > gemvResidency.limitBytes) return null;
  if (ARENA_SCRATCH_BYTES + bytes > MAX_ARENA_BYTES) return null;
  let arena: Arena | null = null;
  let at: number | null = null;
  for (const candidate of arenas) {
    at = candidate.allocate(bytes);
    if (at !== null) {
      arena = candidate;
      break;
    }
  }
  if (arena === null) {
    const capacity = Math.max(ARENA_BYTES, Math.ceil((ARENA_SCRATCH_BYTES + bytes) / PAGE) * PAGE);
    arena = capacity < refused ? Arena.create(capacity) : null;
    if (arena === null) {
      refused = Math.min(refused, capacity);
      return null;
    }
    arenas.push(arena);
    arenaOf.set(arena.kernels.memory.buffer, arena);
    at = arena.allocate(bytes) as number;
  }
  const buffer = arena.kernels.memory.buffer;
  const view =
    data instanceof Float32Array
      ? new Float32Array(buffer, at as number, data.length)
      : new Uint16Array(buffer, at as number, data.length);
  view.set(data);
  (storage as CpuStorage as { -readonly [K in keyof CpuStorage]: CpuStorage[K] }).data = view;
  regions.register(view, { arena, at: at as number, bytes });
  residentBytes += bytes;
  return view;
}

/**
 * @internal The arena memory holding `storage`'s f32 or bf16 array and the array's byte offset in it, the array
 * moved into an arena first if it is not there yet; null where it cannot be (f16, f64 reference arrays, the
 * residency limits, no WebAssembly). For kernels that read a large storage in place (the latent-cache attention).
 * The memory's first `ARENA_SCRATCH_BYTES` are scratch that any kernel may overwrite during its call.
 */
export function residentMemory(storage: Storage): { memory: WebAssembly.Memory; byteOffset: number } | null {
  const data = raw(storage);
  const narrow = storage.dtype === 'bf16' && data instanceof Uint16Array;
  if (!(narrow || (storage.dtype === 'f32' && data instanceof Float32Array))) return null;
  const resident = inArena(data, storage);
  return resident && { memory: resident.arena.kernels.memory, byteOffset: resident.view.byteOffset };
}

/**
 * `data` in an arena: where it already is, or moved there now when it is `storage`'s own array (f32 or bf16
 * words); null when it is in none and cannot be moved.
 */
function inArena(
  data: Float32Array | Uint16Array,
  storage?: Storage,
): { view: Float32Array | Uint16Array; arena: Arena } | null {
  const arena = arenaOf.get(data.buffer);
  if (arena !== undefined) return { view: data, arena };
  if (storage === undefined || raw(storage) !== data) return null;
  const view = makeResident(storage, data);
  return view && { view, arena: arenaOf.get(view.buffer) as Arena };
}

let streaming: GemvModule | null | undefined;

/** Consecutive products of one call: A and B advance by their strides (elements), C by m·n. */
export interface GemvBatch {
  count: number;
  aStride: number;
  bStride: number;
}

const ONE: GemvBatch = { count: 1, aStride: 0, bStride: 0 };

/**
 * C[cOffset..] ([m, n]) = A [m, k] · op(B), for each of `batch.count` products; false when wasm is unavailable.
 * `storage` is B's storage (whose array is `b.data`): given, B may be made resident. Batches run in one call, so
 * the many tiny per-head products of the absorbed decode cost one lookup, not one each.
 */
export function wasmGemv(
  a: MatrixOperand,
  b: MatrixOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
  storage?: Storage,
  batch: GemvBatch = ONE,
): boolean {
  if (a.transposed && m > 1) return false;
  const resident = b.dtype === 'f16' ? null : inArena(b.data, storage);
  const data = resident?.view ?? b.data;
  if (resident !== null && (k + n) * 4 <= ARENA_SCRATCH_BYTES) {
    const { arena } = resident;
    const bytes = data.BYTES_PER_ELEMENT;
    const bPointer = data.byteOffset + b.offset * bytes;
    multiply(arena.kernels, arena.floats, a, bPointer, b, c, cOffset, m, n, k, batch, batch.bStride * bytes);
    return true;
  }
  streaming ??= instantiate<GemvKernels>(gemvWasmBase64);
  if (!streaming) return false;
  for (let t = 0; t < batch.count; t++) {
    const at = { ...a, offset: a.offset + t * batch.aStride };
    streamed(
      streaming,
      at,
      { ...b, data, offset: b.offset + t * batch.bStride },
      c,
      cOffset + t * m * n,
      m,
      n,
      k,
    );
  }
  return true;
}

/** The per-call path: B copied into the streaming module after x and y (f16 decoded to f32, bf16 as is). */
function streamed(
  mod: GemvModule,
  a: MatrixOperand,
  b: MatrixOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
) {
  const size = k * n;
  const bBase = Math.ceil((k + n) / 4) * 4; // f32 units, 16-byte aligned
  const bf16 = b.dtype === 'bf16';
  const mem = heap(mod.memory, bBase + (bf16 ? Math.ceil(size / 2) : size));
  const bData = b.data;
  if (bData instanceof Float32Array) mem.set(bData.subarray(b.offset, b.offset + size), bBase);
  else if (bf16) new Uint16Array(mem.buffer, bBase * 4, size).set(bData.subarray(b.offset, b.offset + size));
  else decode16(bData, b.offset, size, 'f16', mem.subarray(bBase, bBase + size));
  multiply(mod, mem, a, bBase * 4, { ...b, dtype: bf16 ? 'bf16' : 'f32' }, c, cOffset, m, n, k, ONE, 0);
}

/**
 * Each row of A of each batch through the kernel for B's dtype and layout, with x at byte 0 and y after it; B of
 * batch t at `bPointer + t · bStrideBytes`.
 */
function multiply(
  mod: GemvModule,
  mem: Float32Array,
  a: MatrixOperand,
  bPointer: number,
  b: Pick<MatrixOperand, 'dtype' | 'transposed'>,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
  batch: GemvBatch,
  bStrideBytes: number,
) {
  const bf16 = b.dtype === 'bf16';
  const kernel = b.transposed ? (bf16 ? mod.gemv_t_bf16 : mod.gemv_t) : bf16 ? mod.gemv_n_bf16 : mod.gemv_n;
  const yBase = k;
  const y = mem.subarray(yBase, yBase + n);
  const readRow = rowReader(a, k);
  for (let t = 0; t < batch.count; t++) {
    for (let i = 0; i < m; i++) {
      mem.set(readRow(a.offset + t * batch.aStride + i * k), 0);
      kernel(0, bPointer + t * bStrideBytes, yBase * 4, k, n);
      c.set(y, cOffset + (t * m + i) * n);
    }
  }
}
