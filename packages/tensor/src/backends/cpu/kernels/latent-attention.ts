import type { LatentAttentionParams, Storage } from '../../../backend.js';
import { type FloatArray, floats, raw } from '../storage.js';
import { type KernelSet, laneSpan, onLanes } from '../threads/lanes.js';
import { attentionWasmBase64, attentionWasmSharedBase64 } from '../wasm/attention-wasm.js';
import { ARENA_SCRATCH_BYTES, residentMemory } from '../wasm/gemv.js';
import { kernelSet, rowReader } from '../wasm/loader.js';

/** Cache rows per pass: a chunk's scores [heads, CHUNK] stay in L2 next to the rows they came from. */
const CHUNK = 2048;

/** The row kernels instantiated on each arena memory that holds a cache. */
const kernelsOf = new WeakMap<WebAssembly.Memory, KernelSet | null>();
/** Cache values (rows × width × heads) per extra lane below which a step is not split. */
const VALUES_PER_LANE = 1 << 16;

/**
 * One token's attention over a latent cache (see Backend.latentAttention). The cache is made resident in a
 * GEMV arena (as decode weights are), so the WebAssembly kernels read its rows in place: per chunk of rows,
 * the scores of every head (each row read once for all heads), an online softmax across chunks (running max
 * and sum per head, earlier sums rescaled when the max grows) and the weighted sum of the rows' first
 * valueDim columns, all in WebAssembly. q, the running statistics, the output, a chunk's scores and (for a bf16
 * cache) the chunk's rows widened to f32 live in the arena's scratch area. The heads are split across the
 * worker pool in groups of four (the scoring kernel's unit), each lane taking every chunk for its heads, so
 * every head's arithmetic, and its result bit for bit, is that of one thread. Where the cache
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
    Math.floor((ARENA_SCRATCH_BYTES - qBytes - 16 - heads * 8 - outBytes) / (rowScratch * 4)) * 4,
  );
  if (ld < 4) return false;
  const resident = residentMemory(cache);
  if (resident === null) return false;
  const { memory, byteOffset } = resident;
  let k = kernelsOf.get(memory);
  if (k === undefined) {
    k = kernelSet([[attentionWasmBase64, attentionWasmSharedBase64]], memory);
    kernelsOf.set(memory, k);
  }
  if (k === null) return false;
  const [qAt, scaleAt, statsAt] = [0, qBytes, qBytes + 16];
  const outAt = statsAt + heads * 8;
  const sAt = outAt + outBytes;
  const widenedAt = sAt + heads * ld * 4;
  const mem = new Float32Array(memory.buffer, 0, ARENA_SCRATCH_BYTES / 4);
  mem.set(qs.subarray(0, heads * width), qAt / 4);
  mem[scaleAt / 4] = scale;
  for (let h = 0; h < heads; h++) {
    mem[statsAt / 4 + 2 * h] = Number.NEGATIVE_INFINITY; // running max
    mem[statsAt / 4 + 2 * h + 1] = 0; // running sum
  }
  mem.fill(0, outAt / 4, outAt / 4 + heads * dv);
  const rowBytes = width * (bf16 ? 2 : 4);
  // heads go to lanes four at a time (latent_scores' unit), or all together where they are not a multiple of four
  const unit = heads % 4 === 0 ? 4 : heads;
  const maxLanes = Math.min(
    heads / unit,
    Math.max(1, Math.floor((length * width * heads) / VALUES_PER_LANE)),
  );
  const { fns } = k;
  for (let start = 0; start < length; start += ld) {
    const count = Math.min(ld, length - start);
    let rows = byteOffset + start * rowBytes;
    if (bf16) {
      fns.widen_bf16(rows, widenedAt, count * width);
      rows = widenedAt;
    }
    onLanes(k, maxLanes, (lanes) => {
      for (let lane = 0; lane < lanes.count; lane++) {
        const [h0, h1] = laneSpan(lane, lanes.count, heads, unit);
        if (h1 === h0) continue;
        const [n, s, out] = [h1 - h0, sAt + h0 * ld * 4, outAt + h0 * dv * 4];
        lanes.call(lane, 'latent_scores', qAt + h0 * width * 4, rows, s, n, count, width, ld);
        lanes.call(lane, 'latent_softmax', s, n, count, ld, scaleAt, statsAt + h0 * 8, out, dv);
        lanes.call(lane, 'latent_mix', s, rows, out, n, count, width, dv, ld);
      }
    });
  }
  fns.latent_finish(statsAt, outAt, heads, dv);
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
