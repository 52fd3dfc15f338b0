/**
 * The counter-based random stream every backend reproduces (so a seed gives the same numbers on CPU and
 * WebGPU). Algorithm: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
 * key = (seed mod 2^32, floor(seed / 2^32) mod 2^32).
 * Element i of a generated tensor uses counter (i, 0, 0, 0) and the first two output words w0, w1:
 *   uniform: u = (w0 >>> 8) * 2^-24 in [0, 1); value = low + (high - low) * u
 *   normal:  u1 = ((w0 >>> 8) + 1) * 2^-24 in (0, 1], u2 = (w1 >>> 8) * 2^-24;
 *            value = mean + std * sqrt(-2 ln u1) * cos(2 pi u2)      (Box-Muller, cosine branch)
 * The u32 words are bit-identical everywhere; the float transforms agree to f32 rounding.
 * 32x32→64-bit products are computed from 16-bit halves, as WGSL (no u64) must too.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32. */
function mulHi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loLo = aLo * bLo;
  const hiLo = aHi * bLo;
  const loHi = aLo * bHi;
  const cross = (loLo >>> 16) + (hiLo & 0xffff) + loHi;
  return (aHi * bHi + (hiLo >>> 16) + Math.floor(cross / 65536)) >>> 0;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1); writes 4 u32 into out. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  for (let round = 0; round < 10; round++) {
    const hi0 = mulHi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulHi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** Split a non-negative integer seed (< 2^53) into the two Philox key words. */
export function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  }
  return [(seed % 2 ** 32) >>> 0, Math.floor(seed / 2 ** 32) >>> 0];
}

const TWO_POW_M24 = 2 ** -24;

/** Fill `out` with the uniform or normal stream for (seedLo, seedHi), per the definition above. */
export function fillRandom(
  out: Float32Array | Float64Array,
  kind: 'uniform' | 'normal',
  seedLo: number,
  seedHi: number,
  a: number,
  b: number,
): void {
  const words = new Uint32Array(4);
  for (let i = 0; i < out.length; i++) {
    philox4x32(i, 0, 0, 0, seedLo, seedHi, words);
    if (kind === 'uniform') {
      out[i] = a + (b - a) * (words[0] >>> 8) * TWO_POW_M24;
    } else {
      const u1 = ((words[0] >>> 8) + 1) * TWO_POW_M24;
      const u2 = (words[1] >>> 8) * TWO_POW_M24;
      out[i] = a + b * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
  }
}
