import type { AttentionParams } from '../../../backend.js';
import { attentionWasmBase64 } from '../wasm/attention-wasm.js';
import type { GemmModule } from '../wasm/gemm.js';
import { heap, instantiate } from '../wasm/loader.js';
import { matmulWasmBase64 } from '../wasm/matmul-wasm.js';

/**
 * Operand layouts for calling the WebAssembly SIMD GEMM micro-kernel (matmul.wat) directly from the
 * attention kernels: a head's Q/K/V (and dOut) are copied into the module's memory once, in the forms
 * the kernel reads (A row-major with rows padded to 4; B in 8-column panels), and every query block then
 * multiplies sub-ranges of them in place, with no per-block repacking and no copy of C back to JS.
 * The attention kernels own a private instance of the module, so its memory never aliases the matmul's.
 */

/** The row kernels of attention.wat that attention takes (see there; latentAttention calls its own); pointers in bytes. */
export interface AttentionRowKernels {
  memory: WebAssembly.Memory;
  exp_row: (at: number, count: number, scale: number, shift: number) => number;
  max_row: (at: number, count: number) => number;
  exp_panel: (at: number, count: number, lse: number, first: number, scale: number) => void;
  grad_panel: (p: number, dp: number, count: number, delta: number, scale: number) => void;
}

export interface AttentionKernels extends GemmModule, AttentionRowKernels {}

let loaded: AttentionKernels | null | undefined;

/**
 * The attention kernels' own instance of the GEMM module, with the row kernels of attention.wat on the
 * same memory; null where WebAssembly SIMD is missing.
 */
export function attentionKernels(): AttentionKernels | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const gemm = instantiate<Omit<AttentionKernels, 'memory'>>(matmulWasmBase64);
  if (!gemm) return loaded;
  const rows = instantiate<AttentionRowKernels>(attentionWasmBase64, gemm.memory);
  // without WebAssembly SIMD the row-by-row kernel runs instead
  if (rows) loaded = { ...gemm, ...rows };
  return loaded;
}

export const roundUp = (n: number, multiple: number) => Math.ceil(n / multiple) * multiple;

/** Carves float regions out of the module memory; `floats(size)` `region(size)` returns its first float index. */
export class Arena {
  private next = 0;
  region(size: number): number {
    const at = this.next;
    this.next += roundUp(size, 4);
    return at;
  }
  /** A view of the memory big enough for every region (grows the memory first; take it after all regions). */
  view(kernel: AttentionKernels): Float32Array {
    return heap(kernel.memory, this.next);
  }
}

/**
 * A staging region of the module's memory (float index `at`, room for a head's matrix with its rows
 * padded to 8): with it, packColumns, packTransposed and transposeInto copy the matrix there with one
 * memcpy, zero the padding rows, and lay it out with the SIMD packers of matmul.wat, writing exactly
 * what their loops write. Used when the packers' vector widths divide `cols` (8 for packColumns, 4 for
 * the transposes); other widths take the loops.
 */
export interface Stage {
  kernel: AttentionKernels;
  at: number;
}

/** mem[at..] = rows [0, rows) of the [rows, cols] matrix at src[offset..], row-major, zero rows up to `paddedRows`. */
export function copyRows(
  src: Float32Array,
  offset: number,
  rows: number,
  cols: number,
  mem: Float32Array,
  at: number,
  paddedRows: number,
) {
  mem.set(src.subarray(offset, offset + rows * cols), at);
  mem.fill(0, at + rows * cols, at + paddedRows * cols);
}

/**
 * B = the [rows, cols] matrix at src[offset..] as 8-column panels of `paddedRows` rows each (panel p holds
 * columns 8p..8p+7, zero beyond cols and beyond rows). Panel stride: paddedRows·8 floats.
 */
export function packColumns(
  src: Float32Array,
  offset: number,
  rows: number,
  cols: number,
  mem: Float32Array,
  at: number,
  paddedRows: number,
  stage?: Stage,
) {
  if (stage && cols % 8 === 0) {
    copyRows(src, offset, rows, cols, mem, stage.at, paddedRows);
    stage.kernel.pack_rows(stage.at * 4, at * 4, paddedRows, cols, cols * 4, paddedRows * 32);
    return;
  }
  const panels = roundUp(cols, 8) / 8;
  mem.fill(0, at, at + panels * paddedRows * 8);
  for (let i = 0; i < rows; i++) {
    const row = offset + i * cols;
    for (let c = 0; c < cols; c++) mem[at + (c >> 3) * paddedRows * 8 + i * 8 + (c & 7)] = src[row + c];
  }
}

/**
 * B = the transpose of the [rows, cols] matrix at src[offset..]: panel p holds rows 8p..8p+7 of src as
 * columns, [cols][8] each (zero beyond rows). Panel stride: cols·8 floats.
 */
export function packTransposed(
  src: Float32Array,
  offset: number,
  rows: number,
  cols: number,
  mem: Float32Array,
  at: number,
  stage?: Stage,
) {
  const panels = roundUp(rows, 8) / 8;
  if (stage && cols % 4 === 0) {
    copyRows(src, offset, rows, cols, mem, stage.at, panels * 8);
    for (let p = 0; p < panels; p++) {
      stage.kernel.transpose((stage.at + p * 8 * cols) * 4, (at + p * cols * 8) * 4, 8, cols, cols * 4, 32);
    }
    return;
  }
  mem.fill(0, at, at + panels * cols * 8);
  for (let i = 0; i < rows; i++) {
    const row = offset + i * cols;
    const panel = at + (i >> 3) * cols * 8 + (i & 7);
    for (let c = 0; c < cols; c++) mem[panel + c * 8] = src[row + c];
  }
}

/** mem[at + c·stride + i] = src[offset + i·cols + c]: the [rows, cols] matrix transposed, rows `stride` apart. */
export function transposeInto(
  src: Float32Array,
  offset: number,
  rows: number,
  cols: number,
  mem: Float32Array,
  at: number,
  stride: number,
  stage?: Stage,
) {
  if (stage && cols % 4 === 0 && stride % 4 === 0) {
    copyRows(src, offset, rows, cols, mem, stage.at, stride);
    stage.kernel.transpose(stage.at * 4, at * 4, stride, cols, cols * 4, stride * 4);
    return;
  }
  for (let c = 0; c < cols; c++) mem.fill(0, at + c * stride + rows, at + (c + 1) * stride);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) mem[at + c * stride + i] = src[offset + i * cols + c];
  }
}

/** Last key index query row i may see (inclusive); -1 when it sees none. */
export function lastKey(p: AttentionParams, i: number): number {
  return p.causal ? Math.min(p.tk - 1, p.queryOffset + i) : p.tk - 1;
}

export interface Head {
  /** first element of the head's q (and dq), k (and dk), v (and dv), out (and dOut) */
  q: number;
  k: number;
  v: number;
  o: number;
  /** first lse row of the head */
  row: number;
}

export function forEachHead(p: AttentionParams, visit: (head: Head) => void) {
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      const kvHead = b * p.kvHeads + (p.kvHeads === 1 ? 0 : h);
      const row = (b * p.heads + h) * p.tq;
      visit({ q: row * p.d, k: kvHead * p.tk * p.d, v: kvHead * p.tk * p.dv, o: row * p.dv, row });
    }
  }
}
