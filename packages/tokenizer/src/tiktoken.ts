import { BYTE_TO_CHAR, bytesToByteLevel } from './byte-level.js';
import { TokenizerFormatError } from './errors.js';
import { Tokenizer } from './tokenizer.js';

/** A tiktoken encoding: split regex, mergeable byte strings with their ranks, special tokens. */
export interface TiktokenEncoding {
  pattern: string;
  ranks: Iterable<readonly [Uint8Array, number]>;
  specialTokens?: Record<string, number>;
}

/** Parses a `.tiktoken` file (one `base64 rank` per line) into ranks. */
export function parseTiktokenRanks(text: string, file = 'ranks.tiktoken'): [Uint8Array, number][] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const [b64, rank] = line.trim().split(/\s+/);
      const r = Number(rank);
      if (!b64 || !Number.isInteger(r))
        throw new TokenizerFormatError(
          file,
          `line ${i + 1}`,
          `must be "base64 rank", got ${JSON.stringify(line.slice(0, 40))}`,
        );
      return [Uint8Array.from(Buffer.from(b64, 'base64')), r];
    });
}

/**
 * Converts a tiktoken encoding into an equivalent byte-level BPE tokenizer.json: the vocabulary is
 * the ranks, and each multi-byte token's merge is found by running tiktoken's own merge loop on its
 * bytes with only lower ranks allowed (it must end in exactly two parts). Merges are ordered by the
 * rank of their result, so "lowest-rank merge first" picks the same pair tiktoken picks, and
 * `ignore_merges` reproduces tiktoken's whole-piece lookup.
 */
export function tokenizerFromTiktoken(encoding: TiktokenEncoding): Tokenizer {
  const byRank: Uint8Array[] = [];
  const rankOf = new Map<string, number>();
  for (const [bytes, rank] of encoding.ranks) {
    byRank[rank] = bytes;
    rankOf.set(latin1(bytes), rank);
  }
  const vocab: Record<string, number> = {};
  const merges: string[] = [];
  byRank.forEach((bytes, rank) => {
    vocab[bytesToByteLevel(bytes)] = rank;
    if (bytes.length < 2) return;
    const parts = mergeBelow(latin1(bytes), rank, rankOf);
    if (parts.length === 2)
      merges.push(`${latin1ToByteLevel(parts[0] as string)} ${latin1ToByteLevel(parts[1] as string)}`);
  });
  const json = {
    version: '1.0',
    added_tokens: Object.entries(encoding.specialTokens ?? {}).map(([content, id]) => ({
      id,
      content,
      special: true,
      normalized: false,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: encoding.pattern }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', ignore_merges: true, vocab, merges },
  };
  return Tokenizer.fromJSON(json);
}

/** Bytes as a Latin-1 string: a cheap map key with one char per byte. */
function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i] as number);
  return out;
}

/** tiktoken's merge loop on a Latin-1 byte string, restricted to ranks below `limit`; returns the parts. */
function mergeBelow(bytes: string, limit: number, rankOf: Map<string, number>): string[] {
  const parts = bytes.split('');
  for (;;) {
    let best = limit;
    let at = -1;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rankOf.get((parts[i] as string) + (parts[i + 1] as string));
      if (r !== undefined && r < best) {
        best = r;
        at = i;
      }
    }
    if (at < 0) return parts;
    parts.splice(at, 2, (parts[at] as string) + (parts[at + 1] as string));
  }
}

function latin1ToByteLevel(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += BYTE_TO_CHAR[s.charCodeAt(i)];
  return out;
}
