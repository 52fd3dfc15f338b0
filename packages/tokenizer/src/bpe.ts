import { BYTE_TO_CHAR, bytesToByteLevel } from './byte-level.js';
import { TokenizerError, TokenizerFormatError } from './errors.js';

/** Pair keys pack two ids into one number; ids must stay below this. */
export const PAIR_BASE = 2 ** 21;
/** Distinct pre-tokens remembered before the cache starts over (bounds memory on huge inputs). */
const CACHE_LIMIT = 1 << 18;

const utf8 = new TextEncoder();

/**
 * Byte-level BPE model: a vocabulary of byte-level strings and a ranked merge list. A pre-token is
 * turned into its bytes' ids, then the adjacent pair with the lowest merge rank is merged (leftmost
 * first on ties) until no pair has a rank, exactly as Hugging Face `tokenizers` and tiktoken do.
 */
export class BpeModel {
  /** Byte value -> id of its single-byte token (-1 when the vocabulary lacks it). */
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** Pair key (left * PAIR_BASE + right) -> merge rank. */
  private readonly mergeRank = new Map<number, number>();
  /** Merge rank -> id of the merged token. */
  private readonly mergeResult: Int32Array;
  /** Pre-token -> its id (most pre-tokens are one token) or ids. */
  private cache = new Map<string, number | number[]>();

  constructor(
    readonly vocab: Map<string, number>,
    merges: readonly (readonly [string, string])[],
    readonly ignoreMerges: boolean,
    private readonly unkId: number | null,
    private readonly file = 'tokenizer.json',
  ) {
    for (let b = 0; b < 256; b++) this.byteIds[b] = vocab.get(BYTE_TO_CHAR[b] as string) ?? -1;
    this.mergeResult = new Int32Array(merges.length);
    merges.forEach(([left, right], rank) => {
      const a = vocab.get(left);
      const b = vocab.get(right);
      const merged = vocab.get(left + right);
      if (a === undefined || b === undefined || merged === undefined) {
        const missing = a === undefined ? left : b === undefined ? right : left + right;
        throw new TokenizerFormatError(
          file,
          `model.merges[${rank}]`,
          `uses a token not in the vocabulary: ${JSON.stringify(missing)}`,
        );
      }
      const key = a * PAIR_BASE + b;
      if (!this.mergeRank.has(key)) this.mergeRank.set(key, rank);
      this.mergeResult[rank] = merged;
    });
  }

  /** Appends the ids of one pre-token to `out`. */
  encodePiece(piece: string, out: number[]): void {
    let hit = this.cache.get(piece);
    if (hit === undefined) {
      const ids = this.encodeUncached(piece);
      hit = ids.length === 1 ? (ids[0] as number) : ids;
      if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
      this.cache.set(piece, hit);
    }
    if (typeof hit === 'number') out.push(hit);
    else for (let i = 0; i < hit.length; i++) out.push(hit[i] as number);
  }

  private encodeUncached(piece: string): number[] {
    const bytes = asciiBytes(piece) ?? utf8.encode(piece);
    if (this.ignoreMerges) {
      const whole = this.vocab.get(bytesToByteLevel(bytes));
      if (whole !== undefined) return [whole];
    }
    const ids: number[] = new Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      const id = this.byteIds[bytes[i] as number] as number;
      if (id < 0) {
        if (this.unkId === null)
          throw new TokenizerError(
            `${this.file}: model.vocab has no token for byte 0x${(bytes[i] as number).toString(16)} and there is no unk_token`,
            'UNKNOWN_BYTE',
          );
        ids[i] = this.unkId;
      } else ids[i] = id;
    }
    return this.merge(ids);
  }

  /** Applies merges in rank order; `ranks[i]` caches the rank of the pair (ids[i], ids[i+1]). */
  private merge(ids: number[]): number[] {
    const none = Number.MAX_SAFE_INTEGER;
    const ranks: number[] = new Array(Math.max(0, ids.length - 1));
    for (let i = 0; i + 1 < ids.length; i++)
      ranks[i] = this.rankOf(ids[i] as number, ids[i + 1] as number) ?? none;
    while (ranks.length > 0) {
      let best = none;
      let at = -1;
      for (let i = 0; i < ranks.length; i++) {
        if ((ranks[i] as number) < best) {
          best = ranks[i] as number;
          at = i;
        }
      }
      if (at < 0) break;
      ids[at] = this.mergeResult[best] as number;
      ids.splice(at + 1, 1);
      ranks.splice(at, 1);
      if (at > 0) ranks[at - 1] = this.rankOf(ids[at - 1] as number, ids[at] as number) ?? none;
      if (at < ranks.length) ranks[at] = this.rankOf(ids[at] as number, ids[at + 1] as number) ?? none;
    }
    return ids;
  }

  private rankOf(a: number, b: number): number | undefined {
    return this.mergeRank.get(a * PAIR_BASE + b);
  }
}

/** The bytes of an all-ASCII string without going through TextEncoder; null otherwise. */
function asciiBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return null;
    out[i] = c;
  }
  return out;
}

/** Reads `model.merges` in either HF form: "a b" strings or [a, b] pairs. */
export function parseMerges(raw: unknown, file: string): [string, string][] {
  if (!Array.isArray(raw)) throw new TokenizerFormatError(file, 'model.merges', 'is missing or not an array');
  return raw.map((m, i) => {
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string')
      return [m[0], m[1]];
    if (typeof m === 'string') {
      const space = m.indexOf(' ', 1);
      if (space > 0) return [m.slice(0, space), m.slice(space + 1)];
    }
    throw new TokenizerFormatError(
      file,
      `model.merges[${i}]`,
      `must be "left right" or [left, right], got ${JSON.stringify(m)}`,
    );
  });
}
