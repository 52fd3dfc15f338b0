import type { CleaningConfig } from './config.js';
import { contentHash, hashString32, mix32, Rng } from './random.js';

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
    const words = text.split(/\s+/).filter((w) => w.length > 0);
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
  private bandKeys(words: string[]): number[] {
    const cfg = this.config.nearDedup;
    if (!cfg) return [];
    const k = Math.min(cfg.shingle, words.length);
    const wordHashes = words.map((w) => hashString32(w));
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

/** Fraction of word trigrams that repeat an earlier trigram of the same document (0 for short texts). */
export function repetition(words: string[]): number {
  if (words.length < 20) return 0;
  const seen = new Set<string>();
  let repeats = 0;
  for (let i = 0; i + 3 <= words.length; i++) {
    const key = `${words[i]} ${words[i + 1]} ${words[i + 2]}`;
    if (seen.has(key)) repeats++;
    else seen.add(key);
  }
  return repeats / (words.length - 2);
}
