import type { Storage } from '../../../backend.js';
import { isQuantized, QUANT_BLOCK, quantLayout } from '../../../quant.js';
import { type CpuStorage, raw } from '../storage.js';
import { type KernelSet, type Lanes, laneSpan, onLanes } from '../threads/lanes.js';
import { sharedMemory } from '../threads/pool.js';
import { gemvQ4WasmBase64, gemvQ4WasmSharedBase64 } from './gemv-q4-wasm.js';
import { gemvQ8WasmBase64, gemvQ8WasmSharedBase64 } from './gemv-q8-wasm.js';
import {
  gemvQdotRelaxedWasmBase64,
  gemvQdotRelaxedWasmSharedBase64,
  gemvQdotWasmBase64,
  gemvQdotWasmSharedBase64,
} from './gemv-qdot-wasm.js';
import { gemvWasmBase64, gemvWasmSharedBase64 } from './gemv-wasm.js';
import {
  decode16,
  heap,
  kernelSet,
  type MatrixOperand,
  quantPointers,
  relaxedSimd,
  rowReader,
  stageQuantized,
} from './loader.js';

/**
 * Decode-sized products (m < 8) with the WebAssembly SIMD matrix-vector kernels of gemv.wat; each row of A is
 * one GEMV, but over an f32 Bᵀ four rows of one product share one pass over B (gemv_t4: a batched decode step
 * reads the weights once per four sequences, with each row's sums bit for bit those of its own GEMV). op(A)
 * must not be transposed unless m = 1 (a [k, 1] column is also a row).
 *
 * A decode step reads every weight once, so the weights' bytes are the cost. Copying B into the module on
 * every call would move each weight three times (copy read + write, then the kernel's read), so f32 and bf16
 * weights are made resident instead: the first GEMV that reads a storage moves its array into an arena (the
 * memory of an instance of the module, sized once and never grown, so views into it stay valid) and points the
 * storage at that view. Every kernel reads and writes storages through `data`, so in-place updates (AdamW, a
 * KV cache's strided copies, uploads) land in the arena and the GEMV always reads current values, in place.
 * An arena region is released when its array is garbage-collected (the backend's pool may keep and reuse the
 * array for a later storage of the same size, which is then resident from the start). Beyond
 * `gemvResidency.limitBytes`, and for f16 weights, B is copied in per call as before (bf16 as 16-bit words,
 * q8/q4 as their packed bytes).
 *
 * q8/q4 weights (src/quant.ts) are read packed by gemv-q8.wat and gemv-q4.wat, instantiated on the same memory,
 * dequantized in registers. They need whole blocks along B's stored rows: Bᵀ [n, k] with k a multiple of 32,
 * B [k, n] with n a multiple of 32, and block-aligned offsets and batch strides (else the caller's reference
 * path takes them).
 */
/** The GEMV modules instantiated together on one memory (kernels by export name, see product()). */
type GemvModule = KernelSet;

/** The f32/bf16 and q8/q4 GEMV kernels instantiated on `memory`. */
function instantiateGemv(memory: WebAssembly.Memory): GemvModule | null {
  return kernelSet(
    [
      [gemvWasmBase64, gemvWasmSharedBase64],
      [gemvQ8WasmBase64, gemvQ8WasmSharedBase64],
      [gemvQ4WasmBase64, gemvQ4WasmSharedBase64],
      relaxedSimd(gemvQdotRelaxedWasmBase64)
        ? [gemvQdotRelaxedWasmBase64, gemvQdotRelaxedWasmSharedBase64]
        : [gemvQdotWasmBase64, gemvQdotWasmSharedBase64],
    ],
    memory,
  );
}

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

  /** An arena of `capacity` bytes, in shared memory where workers can have it (threads/pool.ts). */
  static create(capacity: number): Arena | null {
    const pages = capacity / PAGE;
    let memory: WebAssembly.Memory;
    try {
      memory = new WebAssembly.Memory(
        sharedMemory ? { initial: pages, maximum: pages, shared: true } : { initial: pages },
      );
    } catch {
      return null; // the host refused the memory: stream instead
    }
    const kernels = instantiateGemv(memory);
    return kernels && new Arena(kernels, capacity);
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
/**
 * The arena of each resident array. Keyed by the array itself, not its buffer: V8 may hand out a new
 * SharedArrayBuffer object for a shared memory's `buffer` while arrays made from an earlier one stay valid.
 */
const arenaOf = new WeakMap<ArrayBufferView, Arena>();
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
type WeightArray = Float32Array | Uint16Array | Uint8Array;

function makeResident(storage: Storage, data: WeightArray): WeightArray | null {
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
    at = arena.allocate(bytes) as number;
  }
  const buffer = arena.kernels.memory.buffer;
  const view = new (data.constructor as typeof Float32Array | typeof Uint16Array | typeof Uint8Array)(
    buffer,
    at as number,
    data.length,
  );
  view.set(data);
  arenaOf.set(view, arena);
  (storage as CpuStorage as { -readonly [K in keyof CpuStorage]: CpuStorage[K] }).data = view;
  regions.register(view, { arena, at: at as number, bytes });
  residentBytes += bytes;
  return view;
}

/**
 * @internal The arena memory holding `storage`'s f32, bf16 or q8/q4 array and the array's byte offset in it, the
 * array moved into an arena first if it is not there yet; null where it cannot be (f16, f64 reference arrays, the
 * residency limits, no WebAssembly). For kernels that read a large storage in place (the latent-cache attention),
 * and for loads, which stream a weight's bytes straight into the arena (`Backend.write`).
 * The memory's first `ARENA_SCRATCH_BYTES` are scratch that any kernel may overwrite during its call.
 */
export function residentMemory(storage: Storage): { memory: WebAssembly.Memory; byteOffset: number } | null {
  const data = raw(storage);
  const narrow = storage.dtype === 'bf16' && data instanceof Uint16Array;
  const packed = isQuantized(storage.dtype) && data instanceof Uint8Array;
  if (!(narrow || packed || (storage.dtype === 'f32' && data instanceof Float32Array))) return null;
  const resident = inArena(data, storage);
  return resident && { memory: resident.arena.kernels.memory, byteOffset: resident.view.byteOffset };
}

/** @internal The arena memory `data` lives in (a resident weight), or null. */
export function arenaMemory(data: ArrayBufferView): WebAssembly.Memory | null {
  return arenaOf.get(data)?.kernels.memory ?? null;
}

/**
 * `data` in an arena: where it already is, or moved there now when it is `storage`'s own array (f32 or bf16
 * words); null when it is in none and cannot be moved.
 */
function inArena(data: WeightArray, storage?: Storage): { view: WeightArray; arena: Arena } | null {
  const arena = arenaOf.get(data);
  if (arena !== undefined) return { view: data, arena };
  if (storage === undefined || raw(storage) !== data) return null;
  const view = makeResident(storage, data);
  return view && { view, arena: arenaOf.get(view) as Arena };
}

let streaming: GemvModule | null | undefined;

/** Consecutive products of one call: A and B advance by their strides (elements), C by m·n. */
export interface GemvBatch {
  count: number;
  aStride: number;
  bStride: number;
}

const ONE: GemvBatch = { count: 1, aStride: 0, bStride: 0 };

/** Weights per extra lane below which a product is not split: a dispatch costs more than it saves. */
const VALUES_PER_LANE = 1 << 15;
/** Lanes a product may use (workers hold at most this many block-sum areas in the scratch). */
const MAX_LANES = 64;

const align4 = (floats: number) => Math.ceil(floats / 4) * 4;
/** Floats of a row of x quantized by quantize_x8 (gemv-qdot.wat): i16 codes [k], then d and Σx [k/32] each. */
const quantizedRowFloats = (k: number) => align4(k / 2 + (2 * k) / QUANT_BLOCK);

/**
 * Floats of scratch at the start of the memory for `rows` products: x [rows][k], y [rows][n], x quantized
 * [rows][quantizedRowFloats(k)], then one area per lane for the q8/q4 kernels (the block sums of x and a row's
 * scales, k/32 floats each).
 */
const scratchFloats = (rows: number, n: number, k: number, lanes: number) =>
  align4(rows * (k + n)) + rows * quantizedRowFloats(k) + align4(lanes * 2 * (k / QUANT_BLOCK));

/**
 * C[cOffset..] ([m, n]) = A [m, k] · op(B), for each of `batch.count` products; false when wasm is unavailable
 * (or a quantized B is not laid out in whole blocks along its rows). `storage` is B's storage (whose array is
 * `b.data`): given, B may be made resident. The rows of a call (every row of every batch) run as one job of the
 * worker pool where they fit the arena's scratch, each lane taking a band of output columns of every row, so the
 * many tiny per-head products of the absorbed decode cost one dispatch, not one each.
 *
 * `activations` says how x @ Wᵀ over q8/q4 weights is computed: 'int8' quantizes each row of x to int8 per block
 * of 32 once per call and takes integer dot products with the codes (gemv-qdot.wat, llama.cpp's way: 1.4-2.4x
 * the weights per second, and each element of x moved by up to half its block's step, max|x|/254); 'f32'
 * multiplies the codes by x in f32 (gemv-q8.wat, gemv-q4.wat: dequantize-then-f32 accuracy). x @ W always takes
 * the f32 kernels.
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
  activations: 'int8' | 'f32' = 'int8',
): boolean {
  if (a.transposed && m > 1) return false;
  const int8 = activations === 'int8' && isQuantized(b.dtype) && b.transposed;
  if (isQuantized(b.dtype)) {
    const aligned = (elements: number) => elements % QUANT_BLOCK === 0;
    if (!(aligned(b.transposed ? k : n) && aligned(b.offset) && aligned(batch.bStride))) return false;
  }
  const resident = b.dtype === 'f16' ? null : inArena(b.data, storage);
  if (resident !== null && scratchFloats(1, n, k, MAX_LANES) * 4 <= ARENA_SCRATCH_BYTES) {
    const { arena, view } = resident;
    const perJob = Math.floor(
      (ARENA_SCRATCH_BYTES / 4 - scratchFloats(0, n, k, MAX_LANES) - 4) / (k + n + quantizedRowFloats(k)),
    );
    multiply(
      arena.kernels,
      arena.floats,
      a,
      { ...b, data: view },
      view.byteOffset,
      c,
      cOffset,
      m,
      n,
      k,
      batch,
      perJob,
      int8,
    );
    return true;
  }
  streaming ??= instantiateGemv(new WebAssembly.Memory({ initial: 1 }));
  if (!streaming) return false;
  for (let t = 0; t < batch.count; t++) {
    const at = { ...a, offset: a.offset + t * batch.aStride };
    const bt = { ...b, data: resident?.view ?? b.data, offset: b.offset + t * batch.bStride };
    streamed(streaming, at, bt, c, cOffset + t * m * n, m, n, k, int8);
  }
  return true;
}

/**
 * The per-call path: B's matrix copied into the streaming module after the scratch (f16 decoded to f32, bf16
 * as is, q8/q4 as a compact packed copy of its blocks).
 */
function streamed(
  mod: GemvModule,
  a: MatrixOperand,
  b: MatrixOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
  int8: boolean,
) {
  const size = k * n;
  const bBase = scratchFloats(m, n, k, 1); // f32 units, 16-byte aligned
  const { data, dtype } = b;
  if (dtype === 'q8' || dtype === 'q4') {
    const mem = heap(mod.memory, bBase + Math.ceil(quantLayout(size, dtype).bytes / 4));
    const window = { start: b.offset, rows: 1, cols: size, stride: 0 };
    stageQuantized(
      data as Uint8Array,
      b.size as number,
      dtype,
      window,
      new Uint8Array(mem.buffer),
      bBase * 4,
    );
    multiply(mod, mem, a, { ...b, offset: 0, size }, bBase * 4, c, cOffset, m, n, k, ONE, m, int8);
    return;
  }
  const bf16 = dtype === 'bf16';
  const mem = heap(mod.memory, bBase + (bf16 ? Math.ceil(size / 2) : size));
  if (data instanceof Float32Array) mem.set(data.subarray(b.offset, b.offset + size), bBase);
  else if (bf16) new Uint16Array(mem.buffer, bBase * 4, size).set(data.subarray(b.offset, b.offset + size));
  else decode16(data as Uint16Array, b.offset, size, 'f16', mem.subarray(bBase, bBase + size));
  const staged = { ...b, offset: 0, dtype: bf16 ? ('bf16' as const) : ('f32' as const) };
  multiply(mod, mem, a, staged, bBase * 4, c, cOffset, m, n, k, ONE, m, false);
}

/** The integer-dot kernel of a q8/q4 x @ Wᵀ with int8 activations (gemv-qdot.wat). */
type IntegerDot = 'gemv_t_q8_dot' | 'gemv_t_q4_dot' | 'gemv_t_q4_dot_i8';

/**
 * Every row of A of every batch through the kernel for B's dtype and layout (B's storage at byte `base`), `perJob`
 * rows at a time: their x rows written to the scratch (and quantized when `int8`), then one job in which each lane computes its band of
 * columns of each row (four rows of one product at a time over an f32 Bᵀ, gemv_t4), then their y rows copied out.
 */
function multiply(
  mod: GemvModule,
  mem: Float32Array,
  a: MatrixOperand,
  b: MatrixOperand,
  base: number,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
  batch: GemvBatch,
  perJob: number,
  int8: boolean,
) {
  const rows = batch.count * m;
  const readRow = rowReader(a, k);
  const aRow = (r: number) => a.offset + Math.floor(r / m) * batch.aStride + (r % m) * k;
  const maxLanes = Math.min(MAX_LANES, Math.max(1, Math.floor((n * k) / VALUES_PER_LANE)));
  // output columns go to lanes in units of 4 (whole blocks for a quantized B [k, n]): no column is split
  const unit = isQuantized(b.dtype) && !b.transposed ? QUANT_BLOCK : 4;
  const fourRows = b.dtype === 'f32' && b.transposed;
  const rowFloats = quantizedRowFloats(k);
  // q4 against x's codes as bytes, with relaxed SIMD's byte dot product where it runs (same results)
  const bytes = int8 && b.dtype === 'q4' && mod.fns.gemv_t_q4_dot_i8 !== undefined;
  const dot: IntegerDot | null = !int8
    ? null
    : bytes
      ? 'gemv_t_q4_dot_i8'
      : b.dtype === 'q4'
        ? 'gemv_t_q4_dot'
        : 'gemv_t_q8_dot';
  for (let r0 = 0; r0 < rows; r0 += perJob) {
    const count = Math.min(perJob, rows - r0);
    const yBase = count * k;
    const quantized = align4(yBase + count * n);
    const sums = quantized + count * rowFloats;
    for (let r = 0; r < count; r++) mem.set(readRow(aRow(r0 + r)), r * k);
    // each row of x quantized once per call, here, for all lanes
    const xq = (r: number) => (quantized + r * rowFloats) * 4;
    if (int8) for (let r = 0; r < count; r++) mod.fns.quantize_x8(r * k * 4, xq(r), k, bytes ? 1 : 0);
    onLanes(mod, maxLanes, (lanes) => {
      for (let lane = 0; lane < lanes.count; lane++) {
        const [j0, j1] = laneSpan(lane, lanes.count, n, unit);
        if (j1 === j0) continue;
        const xs = (sums + (lane * 2 * k) / QUANT_BLOCK) * 4;
        for (let r = 0; r < count; ) {
          const product = Math.floor((r0 + r) / m);
          const offset = b.offset + product * batch.bStride;
          const y = (yBase + r * n + j0) * 4;
          // Four rows of one product over an f32 Bᵀ (a batched decode step): B's band read once for the four.
          if (fourRows && r + 4 <= count && Math.floor((r0 + r + 3) / m) === product) {
            lanes.call(lane, 'gemv_t4', r * k * 4, base + (offset + j0 * k) * 4, y, k, j1 - j0, n);
            r += 4;
            continue;
          }
          columns(lanes, lane, b, base, offset, n, k, dot ? xq(r) : r * k * 4, y, j0, j1, xs, dot);
          r++;
        }
      }
    });
    for (let r = 0; r < count; r++) {
      c.set(mem.subarray(yBase + r * n, yBase + (r + 1) * n), cOffset + (r0 + r) * n);
    }
  }
}

/**
 * Lane `lane` computes y[j0..j1) of x · op(B) (x, y, xs byte pointers; y already offset to column j0; x as
 * quantize_x8 wrote it for `dot`), B's matrix at element `offset` of its storage at byte `base`. Each column's
 * arithmetic does not depend on the band it falls in, so any split gives the one-lane result bit for bit.
 */
function columns(
  lanes: Lanes,
  lane: number,
  b: MatrixOperand,
  base: number,
  offset: number,
  n: number,
  k: number,
  x: number,
  y: number,
  j0: number,
  j1: number,
  xs: number,
  dot: IntegerDot | null,
): void {
  const { dtype, transposed } = b;
  const cols = j1 - j0;
  const at = offset + (transposed ? j0 * k : j0);
  if (dtype === 'q8' || dtype === 'q4') {
    const p = quantPointers(base, b.size as number, dtype, at);
    if (dot === 'gemv_t_q8_dot') lanes.call(lane, dot, x, p.q, p.scales, y, k, cols, xs);
    else if (dot !== null) lanes.call(lane, dot, x, p.q, p.scales, p.mins, y, k, cols, xs);
    else if (dtype === 'q8') {
      if (transposed) lanes.call(lane, 'gemv_t_q8', x, p.q, p.scales, y, k, cols);
      else lanes.call(lane, 'gemv_n_q8', x, p.q, p.scales, y, k, cols, n);
    } else if (transposed) lanes.call(lane, 'gemv_t_q4', x, p.q, p.scales, p.mins, y, k, cols, xs);
    else lanes.call(lane, 'gemv_n_q4', x, p.q, p.scales, p.mins, y, k, cols, n);
    return;
  }
  const bf16 = dtype === 'bf16';
  const pointer = base + at * (bf16 ? 2 : 4);
  const name = `${transposed ? 'gemv_t' : 'gemv_n'}${bf16 ? '_bf16' : ''}`;
  if (transposed) lanes.call(lane, name, x, pointer, y, k, cols);
  else lanes.call(lane, name, x, pointer, y, k, cols, n);
}
