import { QUANT_BLOCK, type QuantizedDType, quantLayout } from '../../../quant.js';
import { type KernelSet, type Lanes, onLanes } from '../threads/lanes.js';
import { cpuThreads, sharedMemory } from '../threads/pool.js';
import { arenaMemory } from './gemv.js';
import { decode16, heap, kernelSet, type MatrixOperand, quantPointers, stageQuantized } from './loader.js';
import { matmulWasmBase64, matmulWasmSharedBase64 } from './matmul-wasm.js';
import { unpackWasmBase64, unpackWasmSharedBase64 } from './unpack-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat). A is copied into the module's memory (through a bounded staging
 * area when stored transposed) and packed as rows of k. B goes through in bands of columns: each band is copied
 * in as stored (f32, bf16 words, q8/q4 packed blocks), unpacked to f32 by unpack.wat (bf16 widened, q8/q4
 * dequantized; f16 decoded in JS), packed into 8-column panels, and multiplied against all of A; so a large
 * bf16 or quantized weight (a 128256 x 2048 tied head) is never held whole as f32. Bands go round-robin to the
 * lanes of the worker pool (threads/pool.ts), each with its own staging and panel areas in the shared workspace;
 * every band's arithmetic is the same on any lane, so results are bit-identical to one thread. B is read where it
 * lives when it is a resident weight (a GEMV arena, shared with the workers), else copied into the workspace
 * once per call. Padding rows and columns are
 * left holding whatever the memory had: they only feed rows and columns of C that are never copied out.
 * Returns false where WebAssembly SIMD is unavailable (or a quantized B is not laid out in whole blocks along
 * its rows) so the caller falls back to the TypeScript kernel.
 */

type Gemm = (
  a: number,
  b: number,
  c: number,
  m: number,
  n: number,
  k: number,
  lda: number,
  panelStride: number,
  accumulate: number,
) => void;

/** The exports of matmul.wat: the GEMM block kernel and its packers (pointers and strides in bytes). */
export interface GemmModule {
  /** C (+)= A·B on one block. */
  gemm: Gemm;
  transpose: (
    src: number,
    dst: number,
    rows: number,
    cols: number,
    srcStride: number,
    dstStride: number,
  ) => void;
  pack_rows: (
    src: number,
    dst: number,
    k: number,
    n8: number,
    srcStride: number,
    panelStride: number,
  ) => void;
}

const M_BLOCK = 64;
const K_BLOCK = 512;
/** Floats of B unpacked per band (4 MiB); also the staging area of a transposed A. */
const BAND_FLOATS = 1 << 20;
/** Multiply-adds per extra lane below which a product is not split. */
const WORK_PER_LANE = 1 << 22;
const PAGE = 65536;

/** The GEMM's workspace: matmul.wat and unpack.wat on one memory, shared with the pool where possible. */
let workspace: KernelSet | null | undefined;

function workspaceKernels(): KernelSet | null {
  if (workspace !== undefined) return workspace;
  let memory: WebAssembly.Memory | undefined;
  try {
    if (sharedMemory) memory = new WebAssembly.Memory({ initial: 1, maximum: PAGE, shared: true });
  } catch {
    memory = undefined; // no shared memory here: the module's own
  }
  workspace = kernelSet(
    [
      [matmulWasmBase64, matmulWasmSharedBase64],
      [unpackWasmBase64, unpackWasmSharedBase64],
    ],
    memory,
  );
  return workspace;
}

const roundUp = (x: number, multiple: number) => Math.ceil(x / multiple) * multiple;

/** Where B's stored matrix is read from: a memory, the byte of its storage's start, and its element offset. */
interface Source {
  memory: WebAssembly.Memory;
  base: number;
  offset: number;
  /** Elements of the storage at `base` (placing q8/q4 planes). */
  size: number;
  dtype: 'f32' | 'bf16' | QuantizedDType;
}

/** C[cOffset..] ([m, n]) = op(A) [m, k] · op(B) [k, n] in f32 (A f32); false when wasm is unavailable. */
export function wasmGemm(
  a: MatrixOperand,
  b: MatrixOperand,
  c: Float32Array,
  cOffset: number,
  m: number,
  n: number,
  k: number,
): boolean {
  const quantized = b.dtype === 'q8' || b.dtype === 'q4';
  if (quantized && ((b.transposed ? k : n) % QUANT_BLOCK !== 0 || b.offset % QUANT_BLOCK !== 0)) return false;
  const mod = workspaceKernels();
  if (!mod) return false;
  const m4 = roundUp(m, 4);
  const k4 = roundUp(k, 4);
  const lda = a.transposed ? k4 : k;
  // columns per band: a multiple of 8 (of 32 for a quantized B [k, n], whose blocks run along n)
  const unit = quantized && !b.transposed ? QUANT_BLOCK : 8;
  // and at most a lane's share of n, so that every lane has a band
  const share = roundUp(Math.ceil(n / cpuThreads()), unit);
  const band = Math.min(share, Math.max(unit, Math.floor(BAND_FLOATS / k / unit) * unit));
  const bands = Math.ceil(n / band);
  const maxLanes = Math.min(bands, 1 + Math.floor((m * n * k) / WORK_PER_LANE));
  // float offsets: packed A [m4][lda]; C as one [m4][band] block per band; B copied in (when it is not resident
  // in shared memory); a transposed A's staging area; then per lane: a band of B unpacked as stored, as panels
  // [band/8][k4][8], and its raw words or packed blocks. The packers read up to a 4x4 block or 8 floats past
  // what they are given: 8 floats of room after each area.
  const cBase = m4 * lda;
  const copyAt = cBase + m4 * roundUp(n, 8);
  const resident = arenaMemory(b.data);
  const copyFloats = resident ? 0 : sourceFloats(b, n, k);
  const aStage = roundUp(copyAt + copyFloats + 8, 4);
  const aStageFloats = a.transposed ? Math.max(BAND_FLOATS, 4 * m) : 0;
  const rawFloats = quantized
    ? quantLayout(band * k, b.dtype as QuantizedDType).bytes / 4
    : b.dtype === 'bf16'
      ? Math.ceil((band * k) / 2)
      : 0;
  const laneFloats = roundUp(band * k + 8 + band * k4 + rawFloats + 8, 4);
  const lanesAt = roundUp(aStage + aStageFloats + 8, 4);
  const mem = heap(mod.memory, lanesAt + maxLanes * laneFloats);
  const source: Source = resident
    ? {
        memory: resident,
        base: b.data.byteOffset,
        offset: b.offset,
        size: b.size ?? b.data.length,
        dtype: b.dtype as Source['dtype'],
      }
    : copyIn(b, n, k, mod.memory, mem, copyAt);
  packA(mod, mem, a, m, k, lda, aStage, aStageFloats);
  const panelStride = k4 * 8;
  const gemmCalls = Math.ceil(k / K_BLOCK) * Math.ceil(m4 / M_BLOCK);
  const intsPerBand = 4 * 9 + 8 + (band / 8) * 9 + 9 + gemmCalls * 12;
  for (let first = 0; first < bands; ) {
    let last = first;
    onLanes(
      mod,
      maxLanes,
      (lanes) => {
        const perLane = Math.floor(lanes.room(0) / intsPerBand);
        last = Math.min(bands, first + Math.max(1, perLane) * lanes.count);
        for (let i = first; i < last; i++) {
          const lane = i % lanes.count;
          const at = lanesAt + lane * laneFloats;
          const area = { stage: at, panels: at + band * k + 8, raw: at + band * k + 8 + band * k4 };
          const j0 = i * band;
          const nb = Math.min(band, n - j0);
          const nb8 = roundUp(nb, 8);
          unpackBand(lanes, lane, mod.memory, source, b.transposed, j0, nb, n, k, area);
          if (b.transposed) {
            // Bᵀ rows [j0, j0 + nb) as [nb][k]: 8 rows become one panel's 8 columns
            for (let j = 0; j < nb8; j += 8) {
              lanes.call(
                lane,
                'transpose',
                (area.stage + j * k) * 4,
                (area.panels + j * k4) * 4,
                8,
                k4,
                k * 4,
                32,
              );
            }
          } else {
            // B's columns [j0, j0 + nb) as [k][nb]: each row fills the same row of every panel
            lanes.call(lane, 'pack_rows', area.stage * 4, area.panels * 4, k, nb8, nb * 4, panelStride * 4);
          }
          // GotoBLAS-style blocking: an A block of M_BLOCK rows x K_BLOCK stays in L2 while each 8-column B
          // panel slice (K_BLOCK x 8) sits in L1; k blocks after the first accumulate into C.
          const cBand = cBase + m4 * j0;
          for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
            const kc = Math.min(K_BLOCK, k - p0);
            for (let i0 = 0; i0 < m4; i0 += M_BLOCK) {
              const mc = Math.min(M_BLOCK, m4 - i0);
              const a0 = (i0 * lda + p0) * 4;
              const b0 = (area.panels + p0 * 8) * 4;
              const c0 = (cBand + i0 * nb8) * 4;
              lanes.call(lane, 'gemm', a0, b0, c0, mc, nb8, kc, lda * 4, panelStride * 4, p0 > 0 ? 1 : 0);
            }
          }
        }
      },
      1,
    ); // one plan per thread: each has its own staging and panel areas
    for (let i = first; i < last; i++) {
      const j0 = i * band;
      const nb = Math.min(band, n - j0);
      const cBand = cBase + m4 * j0;
      const nb8 = roundUp(nb, 8);
      for (let r = 0; r < m; r++) {
        c.set(mem.subarray(cBand + r * nb8, cBand + r * nb8 + nb), cOffset + r * n + j0);
      }
    }
    first = last;
  }
  return true;
}

/** A packed into the workspace as rows of k (transposed through the staging area when stored [k, m]). */
function packA(
  mod: KernelSet,
  mem: Float32Array,
  a: MatrixOperand,
  m: number,
  k: number,
  lda: number,
  stage: number,
  stageFloats: number,
): void {
  const data = a.data as Float32Array;
  if (!a.transposed) {
    mem.set(data.subarray(a.offset, a.offset + m * k), 0);
    return;
  }
  // stored Aᵀ [k, m]: bands of its rows become column bands of packed A
  const m4 = roundUp(m, 4);
  const k4 = roundUp(k, 4);
  const rowsPerBand = Math.floor(stageFloats / m / 4) * 4;
  for (let p0 = 0; p0 < k4; p0 += rowsPerBand) {
    const rows = Math.min(rowsPerBand, k4 - p0);
    const from = a.offset + p0 * m;
    mem.set(data.subarray(from, from + Math.min(rows, k - p0) * m), stage);
    mod.fns.transpose(stage * 4, p0 * 4, rows, m4, m * 4, lda * 4);
  }
}

/** Floats B's matrix takes copied into the workspace (f16 decoded to f32). */
function sourceFloats(b: MatrixOperand, n: number, k: number): number {
  if (b.dtype === 'q8' || b.dtype === 'q4') return quantLayout(n * k, b.dtype).bytes / 4;
  return b.dtype === 'bf16' ? Math.ceil((n * k) / 2) : n * k;
}

/** B's matrix copied into the workspace at float `at`, as stored (f16 decoded; q8/q4 as a compact storage). */
function copyIn(
  b: MatrixOperand,
  n: number,
  k: number,
  memory: WebAssembly.Memory,
  mem: Float32Array,
  at: number,
): Source {
  const size = n * k;
  const { data, dtype } = b;
  if (dtype === 'q8' || dtype === 'q4') {
    const window = { start: b.offset, rows: 1, cols: size, stride: 0 };
    stageQuantized(data as Uint8Array, b.size as number, dtype, window, new Uint8Array(mem.buffer), at * 4);
    return { memory, base: at * 4, offset: 0, size, dtype };
  }
  if (data instanceof Float32Array) mem.set(data.subarray(b.offset, b.offset + size), at);
  else if (dtype === 'bf16')
    new Uint16Array(mem.buffer, at * 4, size).set(data.subarray(b.offset, b.offset + size));
  else decode16(data as Uint16Array, b.offset, size, 'f16', mem.subarray(at, at + size));
  return { memory, base: at * 4, offset: 0, size, dtype: dtype === 'bf16' ? 'bf16' : 'f32' };
}

/**
 * Lane `lane` puts B's columns [j0, j0 + nb) as f32 at `area.stage`, in B's stored orientation: Bᵀ rows [nb][k],
 * or B rows cut to the band [k][nb]; narrow and quantized bands are copied to `area.raw` and unpacked there.
 */
function unpackBand(
  lanes: Lanes,
  lane: number,
  workspace: WebAssembly.Memory,
  src: Source,
  transposed: boolean,
  j0: number,
  nb: number,
  n: number,
  k: number,
  area: { stage: number; raw: number },
): void {
  // the band is `rows` runs of `cols` elements, `stride` apart
  const [start, rows, cols, stride] = transposed
    ? [src.offset + j0 * k, 1, nb * k, 0]
    : [src.offset + j0, k, nb, n];
  const count = nb * k;
  const { dtype } = src;
  if (dtype === 'q8' || dtype === 'q4') {
    const from = quantPointers(src.base, src.size, dtype, start);
    const to = quantPointers(area.raw * 4, count, dtype, 0);
    const q = dtype === 'q8' ? 1 : 0.5;
    const scaleBytes = (cols / QUANT_BLOCK) * 2;
    const scaleStride = (stride / QUANT_BLOCK) * 2;
    lanes.copy(lane, src.memory, from.q, stride * q, workspace, to.q, cols * q, cols * q, rows);
    lanes.copy(
      lane,
      src.memory,
      from.scales,
      scaleStride,
      workspace,
      to.scales,
      scaleBytes,
      scaleBytes,
      rows,
    );
    if (dtype === 'q4') {
      lanes.copy(lane, src.memory, from.mins, scaleStride, workspace, to.mins, scaleBytes, scaleBytes, rows);
      lanes.call(lane, 'dequant_q4', to.q, to.scales, to.mins, area.stage * 4, count / QUANT_BLOCK);
    } else {
      lanes.call(lane, 'dequant_q8', to.q, to.scales, area.stage * 4, count / QUANT_BLOCK);
    }
    return;
  }
  const bytes = dtype === 'bf16' ? 2 : 4;
  const target = dtype === 'bf16' ? area.raw : area.stage;
  const from = src.base + start * bytes;
  lanes.copy(lane, src.memory, from, stride * bytes, workspace, target * 4, cols * bytes, cols * bytes, rows);
  if (dtype === 'bf16') lanes.call(lane, 'widen_bf16', area.raw * 4, area.stage * 4, count);
}
