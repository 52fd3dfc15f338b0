import type { CleaningConfig } from './config.js';
import { contentHash, mix32, Rng } from './random.js';

/** Decides whether a document is worth keeping; runs after the built-in filters. */
export type QualityFilter = (
  text: string,
  info: { source: string; domain: string; where: string },
) => boolean;

/** Why documents were removed, per source. */
export interface FilterCounts {
  seen: number;
  kept: number;
  tooShort: number;
  tooLong: number;
  repetitive: number;
  exactDuplicate: number;
  nearDuplicate: number;
  quality: number;
  /** Chats marked `verdict.passed: false`. */
  unverified: number;
}

export type FilterReason = Exclude<keyof FilterCounts, 'seen' | 'kept'>;

export const emptyCounts = (): FilterCounts => ({
  seen: 0,
  kept: 0,
  tooShort: 0,
  tooLong: 0,
  repetitive: 0,
  exactDuplicate: 0,
  nearDuplicate: 0,
  quality: 0,
  unverified: 0,
});

/** The dedup indexes as plain arrays (key → owner) for the mixer state. */
export interface DedupState {
  exact: [keys: number[], owners: number[]];
  near: [keys: number[], owners: number[]];
}

/**
 * Length, repetition, quality and duplicate filters. Dedup indexes map a key to its *owner* (the first
 * document that had it), so when a cycled source comes round again the kept documents stay kept and the
 * duplicates stay removed, instead of every document matching itself from the last epoch.
 */
export class Cleaner {
  private readonly exact = new Map<number, number>();
  private readonly near = new Map<number, number>();
  private readonly permA: Uint32Array;
  private readonly permB: Uint32Array;

  constructor(
    private readonly config: CleaningConfig,
    private readonly quality?: QualityFilter,
    state?: DedupState,
  ) {
    const perms = config.nearDedup ? config.nearDedup.bands * config.nearDedup.rows : 0;
    const rng = new Rng(0x5eed);
    this.permA = Uint32Array.from({ length: perms }, () => rng.nextUint32() | 1);
    this.permB = Uint32Array.from({ length: perms }, () => rng.nextUint32());
    if (state) {
      for (const [i, k] of state.exact[0].entries()) this.exact.set(k, state.exact[1][i]);
      for (const [i, k] of state.near[0].entries()) this.near.set(k, state.near[1][i]);
    }
  }

  /** Null to keep the document, or why it goes. `owner` identifies this document (source + location). */
  check(
    text: string,
    owner: number,
    info: { source: string; domain: string; where: string },
  ): FilterReason | null {
    const c = this.config;
    if (text.length < c.minChars) return 'tooShort';
    if (text.length > c.maxChars) return 'tooLong';
    const words = hashWords(text);
    if (repetition(words) > c.maxRepetition) return 'repetitive';
    if (this.quality && !this.quality(text, info)) return 'quality';
    const hash = c.exactDedup ? contentHash(text) : 0;
    if (c.exactDedup && (this.exact.get(hash) ?? owner) !== owner) return 'exactDuplicate';
    const bands = c.nearDedup ? this.bandKeys(words) : [];
    if (bands.some((k) => (this.near.get(k) ?? owner) !== owner)) return 'nearDuplicate';
    if (c.exactDedup) this.exact.set(hash, owner);
    for (const k of bands) this.near.set(k, owner);
    return null;
  }

  state(): DedupState {
    return {
      exact: [[...this.exact.keys()], [...this.exact.values()]],
      near: [[...this.near.keys()], [...this.near.values()]],
    };
  }

  /** MinHash over word shingles, cut into LSH bands; each band becomes one 53-bit key. */
  private bandKeys(wordHashes: Uint32Array): number[] {
    const cfg = this.config.nearDedup;
    if (!cfg) return [];
    const k = Math.min(cfg.shingle, wordHashes.length);
    const perms = this.permA.length;
    const mins = new Uint32Array(perms).fill(0xffffffff);
    for (let i = 0; i + k <= wordHashes.length; i++) {
      let s = 0x811c9dc5;
      for (let j = 0; j < k; j++) s = Math.imul(s ^ wordHashes[i + j], 0x01000193);
      s = mix32(s);
      for (let p = 0; p < perms; p++) {
        const h = (Math.imul(this.permA[p], s) + this.permB[p]) >>> 0;
        if (h < mins[p]) mins[p] = h;
      }
    }
    const keys: number[] = [];
    for (let b = 0; b < cfg.bands; b++) {
      let h1 = mix32(b + 1);
      let h2 = mix32(b + 0x9e37);
      for (let r = 0; r < cfg.rows; r++) {
        h1 = mix32(h1 ^ mins[b * cfg.rows + r]);
        h2 = Math.imul(h2 ^ mins[b * cfg.rows + r], 0x5bd1e995);
      }
      keys.push((h1 & 0x1fffff) * 0x100000000 + mix32(h2));
    }
    return keys;
  }
}

let wordScratch = new Uint32Array(1 << 12);
let tableScratch = new Uint32Array(1 << 12);

/**
 * 32-bit hashes of the whitespace-separated words of a text, computed in one pass without building
 * the word strings (cleaning runs on every document, so it must stay cheap). The result is a view of
 * a shared scratch buffer, valid until the next call.
 */
function hashWords(text: string): Uint32Array {
  if (wordScratch.length < text.length / 2 + 1) wordScratch = new Uint32Array(text.length);
  let n = 0;
  let h = 0x811c9dc5;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (inWord) wordScratch[n++] = mix32(h);
      inWord = false;
      h = 0x811c9dc5;
    } else {
      h = Math.imul(h ^ c, 0x01000193);
      inWord = true;
    }
  }
  if (inWord) wordScratch[n++] = mix32(h);
  return wordScratch.subarray(0, n);
}

/** The word hashes of a text (see `repetition`). */
export function wordHashes(text: string): number[] {
  return Array.from(hashWords(text));
}

/**
 * Fraction of word trigrams that repeat an earlier trigram of the same document (0 for texts under
 * 20 words). Counts with an open-addressing table of trigram hashes, reused across calls.
 */
export function repetition(words: ArrayLike<number>): number {
  const trigrams = words.length - 2;
  if (words.length < 20) return 0;
  let size = 64;
  while (size < trigrams * 2) size *= 2;
  if (size > tableScratch.length) tableScratch = new Uint32Array(size);
  const table = tableScratch.subarray(0, size);
  table.fill(0);
  const mask = size - 1;
  let repeats = 0;
  for (let i = 0; i < trigrams; i++) {
    const key =
      (mix32(
        mix32(words[i] ^ 0x9e3779b9) ^
          Math.imul(words[i + 1], 0x85ebca6b) ^
          Math.imul(words[i + 2], 0xc2b2ae35),
      ) |
        1) >>>
      0;
    let slot = key & mask;
    for (;;) {
      const v = table[slot];
      if (v === 0) {
        table[slot] = key;
        break;
      }
      if (v === key) {
        repeats++;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return repeats / trigrams;
}
