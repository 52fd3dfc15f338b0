import { QUANT_BLOCK, quantLayout } from '../../../quant.js';
import { decode16, heap, instantiate, type MatrixOperand, stageQuantized } from './loader.js';
import { matmulWasmBase64 } from './matmul-wasm.js';
import { unpackWasmBase64 } from './unpack-wasm.js';

/**
 * The WebAssembly SIMD GEMM (see matmul.wat). A is copied into the module's memory (through a bounded staging
 * area when stored transposed) and packed as rows of k. B goes through in bands of columns: each band is copied
 * in as stored (f32, bf16 words, q8/q4 packed blocks), unpacked to f32 by unpack.wat (bf16 widened, q8/q4
 * dequantized; f16 decoded in JS), packed into 8-column panels, and multiplied against all of A; so a large
 * bf16 or quantized weight (a 128256 x 2048 tied head) is never held whole as f32. Padding rows and columns are
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

interface UnpackKernels {
  widen_bf16: (src: number, dst: number, count: number) => void;
  dequant_q8: (q: number, s: number, dst: number, blocks: number) => void;
  dequant_q4: (q: number, s: number, mn: number, dst: number, blocks: number) => void;
}
type GemmKernels = GemmModule & UnpackKernels & { memory: WebAssembly.Memory };

/** The GEMM and the unpackers instantiated on one memory. */
function instantiateGemm(): GemmKernels | null {
  const gemm = instantiate<GemmModule>(matmulWasmBase64);
  const unpack = gemm && instantiate<UnpackKernels>(unpackWasmBase64, gemm.memory);
  return unpack && { ...gemm, ...unpack, memory: (gemm as GemmKernels).memory };
}

let loaded: GemmKernels | null | undefined;

const roundUp = (x: number, multiple: number) => Math.ceil(x / multiple) * multiple;

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
  loaded ??= instantiateGemm();
  const mod = loaded;
  if (!mod) return false;
  const m4 = roundUp(m, 4);
  const k4 = roundUp(k, 4);
  const lda = a.transposed ? k4 : k;
  // columns per band: a multiple of 8 (of 32 for a quantized B [k, n], whose blocks run along n)
  const unit = quantized && !b.transposed ? QUANT_BLOCK : 8;
  const band = Math.min(roundUp(n, unit), Math.max(unit, Math.floor(BAND_FLOATS / k / unit) * unit));
  // float offsets: packed A [m4][lda]; C as one [m4][band] block per band; a band of B unpacked as stored and as
  // panels [band/8][k4][8]; the band's raw words or packed blocks; a transposed A's staging area. The packers
  // read up to a 4x4 block or 8 floats past what they are given: 8 floats of room after each area.
  const layout = {
    stage: m4 * lda + m4 * roundUp(n, 8),
    panels: 0,
    raw: 0,
    aStage: 0,
  };
  layout.panels = layout.stage + band * k + 8;
  layout.raw = layout.panels + band * k4;
  const rawFloats = quantized
    ? quantLayout(band * k, b.dtype as 'q8' | 'q4').bytes / 4
    : b.dtype === 'bf16'
      ? Math.ceil((band * k) / 2)
      : 0;
  layout.aStage = roundUp(layout.raw + rawFloats + 8, 4);
  const aStageFloats = a.transposed ? Math.max(BAND_FLOATS, 4 * m) : 0;
  const mem = heap(mod.memory, layout.aStage + aStageFloats + 8);
  if (a.transposed) {
    // stored Aᵀ [k, m]: bands of its rows become column bands of packed A
    const rowsPerBand = Math.floor(aStageFloats / m / 4) * 4;
    for (let p0 = 0; p0 < k4; p0 += rowsPerBand) {
      const rows = Math.min(rowsPerBand, k4 - p0);
      const from = a.offset + p0 * m;
      mem.set((a.data as Float32Array).subarray(from, from + Math.min(rows, k - p0) * m), layout.aStage);
      mod.transpose(layout.aStage * 4, p0 * 4, rows, m4, m * 4, lda * 4);
    }
  } else {
    mem.set((a.data as Float32Array).subarray(a.offset, a.offset + m * k), 0);
  }
  const panelStride = k4 * 8;
  for (let j0 = 0; j0 < n; j0 += band) {
    const nb = Math.min(band, n - j0);
    const nb8 = roundUp(nb, 8);
    unpackBand(mod, mem, b, j0, nb, n, k, layout);
    if (b.transposed) {
      // Bᵀ rows [j0, j0 + nb) as [nb][k]: 8 rows become one panel's 8 columns
      for (let j = 0; j < nb8; j += 8) {
        mod.transpose((layout.stage + j * k) * 4, (layout.panels + j * k4) * 4, 8, k4, k * 4, 32);
      }
    } else {
      // B's columns [j0, j0 + nb) as [k][nb]: each row fills the same row of every panel
      mod.pack_rows(layout.stage * 4, layout.panels * 4, k, nb8, nb * 4, panelStride * 4);
    }
    // GotoBLAS-style blocking: an A block of M_BLOCK rows x K_BLOCK stays in L2 while each 8-column B
    // panel slice (K_BLOCK x 8) sits in L1; k blocks after the first accumulate into C.
    const cBand = m4 * lda + m4 * j0;
    for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
      const kc = Math.min(K_BLOCK, k - p0);
      for (let i0 = 0; i0 < m4; i0 += M_BLOCK) {
        const mc = Math.min(M_BLOCK, m4 - i0);
        const a0 = (i0 * lda + p0) * 4;
        const b0 = (layout.panels + p0 * 8) * 4;
        mod.gemm(a0, b0, (cBand + i0 * nb8) * 4, mc, nb8, kc, lda * 4, panelStride * 4, p0 > 0 ? 1 : 0);
      }
    }
    for (let i = 0; i < m; i++) {
      c.set(mem.subarray(cBand + i * nb8, cBand + i * nb8 + nb), cOffset + i * n + j0);
    }
  }
  return true;
}

/**
 * mem[layout.stage..] = B's columns [j0, j0 + nb) as f32, in B's stored orientation: Bᵀ rows [nb][k], or B rows
 * cut to the band [k][nb]. Narrow and quantized bands are copied in raw and unpacked in the module.
 */
function unpackBand(
  mod: GemmKernels,
  mem: Float32Array,
  b: MatrixOperand,
  j0: number,
  nb: number,
  n: number,
  k: number,
  layout: { stage: number; raw: number },
): void {
  const { data, dtype } = b;
  // the band is `rows` runs of `cols` elements, `stride` apart
  const window = b.transposed
    ? { start: b.offset + j0 * k, rows: 1, cols: nb * k, stride: 0 }
    : { start: b.offset + j0, rows: k, cols: nb, stride: n };
  const count = nb * k;
  if (dtype === 'q8' || dtype === 'q4') {
    const bytes = new Uint8Array(mem.buffer);
    const p = stageQuantized(data as Uint8Array, b.size as number, dtype, window, bytes, layout.raw * 4);
    if (dtype === 'q8') mod.dequant_q8(p.q, p.scales, layout.stage * 4, count / QUANT_BLOCK);
    else mod.dequant_q4(p.q, p.scales, p.mins, layout.stage * 4, count / QUANT_BLOCK);
    return;
  }
  const { start, rows, cols, stride } = window;
  const bf16 = dtype === 'bf16';
  const words = bf16 ? new Uint16Array(mem.buffer, layout.raw * 4, count) : null;
  for (let r = 0; r < rows; r++) {
    const from = start + r * stride;
    const to = r * cols;
    if (data instanceof Float32Array) mem.set(data.subarray(from, from + cols), layout.stage + to);
    else if (words) words.set((data as Uint16Array).subarray(from, from + cols), to);
    else
      decode16(
        data as Uint16Array,
        from,
        cols,
        'f16',
        mem.subarray(layout.stage + to, layout.stage + to + cols),
      );
  }
  if (bf16) mod.widen_bf16(layout.raw * 4, layout.stage * 4, count);
}
