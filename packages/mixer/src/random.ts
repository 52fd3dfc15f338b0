/**
 * Deterministic randomness and hashing. Everything the mixer decides (which source, which generated
 * document, which MinHash permutation) comes from here, so a stream is a pure function of config + seed + data.
 */

/** splitmix32: turns any 32-bit seed into a well-mixed one (used to seed xoshiro and to hash small keys). */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over a string's UTF-16 code units, finished with mix32; a fast 32-bit name hash. */
export function hashString32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/**
 * A 53-bit content hash (two independent 32-bit lanes), exact enough to key a dedup set of millions of
 * documents (collision odds ~n²/2⁵⁴) while staying a plain JS number that msgpack stores compactly.
 */
export function contentHash(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x27d4eb2f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (mix32(a) & 0x1fffff) * 0x100000000 + mix32(b ^ text.length);
}

/** Combines seeds and indices into one 32-bit seed (order matters). */
export function seedOf(...parts: (number | string)[]): number {
  let h = 0x6a09e667;
  for (const p of parts)
    h = mix32(h ^ (typeof p === 'number' ? mix32(p >>> 0) ^ Math.floor(p / 2 ** 32) : hashString32(p)));
  return h;
}

/** xoshiro128**: small, fast, and its whole state is four uint32s, so it serialises into a checkpoint. */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number | readonly number[]) {
    if (typeof seed === 'number') {
      this.s = new Uint32Array(4);
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = mix32(x + i);
        this.s[i] = x;
      }
      if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    } else {
      this.s = Uint32Array.from(seed);
    }
  }

  /** The state to store in a checkpoint; `new Rng(state)` continues the exact sequence. */
  get state(): number[] {
    return Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution (enough for source choice; platform-independent). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
