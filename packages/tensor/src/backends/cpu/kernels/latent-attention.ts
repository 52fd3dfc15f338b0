import type { LatentAttentionParams, Storage } from '../../../backend.js';
import { type FloatArray, floats, raw } from '../storage.js';
import { attentionWasmBase64, attentionWasmSharedBase64 } from '../wasm/attention-wasm.js';
import { ARENA_SCRATCH_BYTES, residentMemory } from '../wasm/gemv.js';
import { instantiate, rowReader } from '../wasm/loader.js';
import type { AttentionRowKernels } from './attention-pack.js';

/** Cache rows per pass: a chunk's scores [heads, CHUNK] stay in L2 next to the rows they came from. */
const CHUNK = 2048;

/** The row kernels instantiated on each arena memory that holds a cache. */
const kernelsOf = new WeakMap<WebAssembly.Memory, AttentionRowKernels | null>();

/**
 * One token's attention over a latent cache (see Backend.latentAttention). The cache is made resident in a
 * GEMV arena (as decode weights are), so the WebAssembly kernels read its rows in place: per chunk of rows,
 * the scores of every head (each row read once for all heads), an online softmax across chunks (running max
 * and sum per head, earlier sums rescaled when the max grows) and the weighted sum of the rows' first
 * valueDim columns, all in WebAssembly. q, the running statistics, the output, a chunk's scores and (for a bf16
 * cache) the chunk's rows widened to f32 live in the arena's scratch area. Where the cache
 * cannot be resident (f16, the f64 reference mode, no WebAssembly) the exact two-pass loop below runs.
 */
export function latentAttention(q: Storage, cache: Storage, out: Storage, p: LatentAttentionParams): void {
  if (!residentAttention(q, cache, out, p)) referenceAttention(q, cache, out, p);
}

function residentAttention(q: Storage, cache: Storage, out: Storage, p: LatentAttentionParams): boolean {
  const { heads, length, width, valueDim: dv, scale } = p;
  const qs = floats(q);
  if (!(qs instanceof Float32Array)) return false;
  const bf16 = cache.dtype === 'bf16';
  const qBytes = heads * width * 4;
  const outBytes = heads * dv * 4;
  // Per row of a chunk: its scores, and (bf16) its f32 widening.
  const rowScratch = heads * 4 + (bf16 ? width * 4 : 0);
  const ld = Math.min(
    CHUNK,
    Math.floor((ARENA_SCRATCH_BYTES - qBytes - heads * 8 - outBytes) / (rowScratch * 4)) * 4,
  );
  if (ld < 4) return false;
  const resident = residentMemory(cache);
  if (resident === null) return false;
  const { memory, byteOffset } = resident;
  let k = kernelsOf.get(memory);
  if (k === undefined) {
    k = instantiate<AttentionRowKernels>(attentionWasmBase64, memory, attentionWasmSharedBase64);
    kernelsOf.set(memory, k);
  }
  if (k === null) return false;
  const [qAt, statsAt, outAt] = [0, qBytes, qBytes + heads * 8];
  const sAt = outAt + outBytes;
  const widenedAt = sAt + heads * ld * 4;
  const mem = new Float32Array(memory.buffer, 0, ARENA_SCRATCH_BYTES / 4);
  mem.set(qs.subarray(0, heads * width), qAt / 4);
  for (let h = 0; h < heads; h++) {
    mem[statsAt / 4 + 2 * h] = Number.NEGATIVE_INFINITY; // running max
    mem[statsAt / 4 + 2 * h + 1] = 0; // running sum
  }
  mem.fill(0, outAt / 4, outAt / 4 + heads * dv);
  const rowBytes = width * (bf16 ? 2 : 4);
  for (let start = 0; start < length; start += ld) {
    const count = Math.min(ld, length - start);
    let rows = byteOffset + start * rowBytes;
    if (bf16) {
      k.widen_bf16(rows, widenedAt, count * width);
      rows = widenedAt;
    }
    k.latent_scores(qAt, rows, sAt, heads, count, width, ld);
    k.latent_softmax(sAt, heads, count, ld, scale, statsAt, outAt, dv);
    k.latent_mix(sAt, rows, outAt, heads, count, width, dv, ld);
  }
  k.latent_finish(statsAt, outAt, heads, dv);
  (floats(out) as Float32Array).set(mem.subarray(outAt / 4, outAt / 4 + heads * dv));
  return true;
}

/** Exact two-pass softmax attention per head in f64 (the reference, and the fallback). */
function referenceAttention(q: Storage, cache: Storage, out: Storage, p: LatentAttentionParams): void {
  const { heads, length, width, valueDim: dv, scale } = p;
  const Q = floats(q);
  const O = floats(out);
  const row = cacheRowReader(cache, width);
  const scores = new Float64Array(length);
  const acc = new Float64Array(dv);
  for (let h = 0; h < heads; h++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < length; j++) {
      const r = row(j);
      let s = 0;
      for (let c = 0; c < width; c++) s += Q[h * width + c] * r[c];
      scores[j] = s * scale;
      max = Math.max(max, scores[j]);
    }
    acc.fill(0);
    let sum = 0;
    for (let j = 0; j < length; j++) {
      const w = Math.exp(scores[j] - max);
      sum += w;
      const r = row(j);
      for (let c = 0; c < dv; c++) acc[c] += w * r[c];
    }
    for (let c = 0; c < dv; c++) O[h * dv + c] = acc[c] / sum;
  }
}

/** Row j of a cache as floats: a view for f32 (and f64 reference) arrays, a decoded scratch row for f16/bf16. */
function cacheRowReader(cache: Storage, width: number): (j: number) => FloatArray {
  const data = raw(cache);
  if (data instanceof Uint16Array) {
    const read = rowReader(
      { data, dtype: cache.dtype as 'f16' | 'bf16', offset: 0, transposed: false },
      width,
    );
    return (j) => read(j * width);
  }
  const values = data as FloatArray;
  return (j) => values.subarray(j * width, (j + 1) * width);
}
