import { PAIR_BASE } from '../bpe.js';
import { BYTE_TO_CHAR, wellFormed } from '../byte-level.js';
import type { PreTokenize } from '../pre-tokenizer.js';
import { PairHeap } from './pair-heap.js';

/** Distinct pre-token → how often it occurs in the corpus. */
export type WordCounts = Map<string, number>;

/** Pre-tokenizes one chunk of text (special tokens cut out first) and adds its words to `counts`. */
export function countWords(
  text: string,
  preTokenize: PreTokenize,
  specials: readonly string[],
  counts: WordCounts,
): void {
  let parts = [wellFormed(text)];
  for (const s of specials) parts = parts.flatMap((p) => (p.includes(s) ? p.split(s) : [p]));
  for (const part of parts) {
    if (part.length === 0) continue;
    preTokenize(part, (word) => counts.set(word, (counts.get(word) ?? 0) + 1));
  }
}

const utf8 = new TextEncoder();

/**
 * Learns up to `budget` merges. Words are symbol arrays; `pairCount` holds the live count of every
 * adjacent pair and `pairWords` the words it occurs in (ascending, possibly stale). A merge rewrites
 * only those words and adjusts the counts of the neighbouring pairs, so no step rescans the corpus.
 * Counts of existing pairs only ever go down, so a popped heap entry whose count is stale is pushed
 * back with its live count (lazy deletion).
 */
export function mergeWords(
  counts: WordCounts,
  budget: number,
  minFrequency: number,
  maxTokenLength: number,
  log: (message: string) => void,
): { merges: [number, number][]; tokens: string[] } {
  const tokens = BYTE_TO_CHAR.slice();
  const tokenIds = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const tokenBytes: number[] = new Array(256).fill(1);

  const words: Int32Array[] = [];
  const lengths: number[] = [];
  const freq: number[] = [];
  for (const [word, count] of counts) {
    const bytes = utf8.encode(word);
    if (bytes.length < 2) continue;
    words.push(Int32Array.from(bytes));
    lengths.push(bytes.length);
    freq.push(count);
  }

  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const addPair = (key: number, w: number, by: number) => {
    pairCount.set(key, (pairCount.get(key) ?? 0) + by);
    if (by > 0) {
      const list = pairWords.get(key);
      if (list === undefined) pairWords.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  };
  for (let w = 0; w < words.length; w++) {
    const sym = words[w] as Int32Array;
    for (let i = 0; i + 1 < (lengths[w] as number); i++)
      addPair((sym[i] as number) * PAIR_BASE + (sym[i + 1] as number), w, freq[w] as number);
  }
  const heap = new PairHeap();
  for (const [key, count] of pairCount) heap.push(count, key);

  const merges: [number, number][] = [];
  let added = 0;
  while (added < budget) {
    const top = heap.peek();
    if (top === undefined) break;
    heap.pop();
    const live = pairCount.get(top.key) ?? 0;
    if (live !== top.count) {
      if (live > 0) heap.push(live, top.key);
      continue;
    }
    if (live < minFrequency) break;
    const a = Math.floor(top.key / PAIR_BASE);
    const b = top.key % PAIR_BASE;
    if ((tokenBytes[a] as number) + (tokenBytes[b] as number) > maxTokenLength) {
      pairCount.delete(top.key);
      continue;
    }
    const text = (tokens[a] as string) + (tokens[b] as string);
    let id = tokenIds.get(text);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(text);
      tokenIds.set(text, id);
      tokenBytes.push((tokenBytes[a] as number) + (tokenBytes[b] as number));
      added++;
    }
    merges.push([a, b]);
    const touched = new Set<number>();
    for (const w of pairWords.get(top.key) ?? []) {
      const sym = words[w] as Int32Array;
      let n = lengths[w] as number;
      const c = freq[w] as number;
      for (let i = 0; i + 1 < n; i++) {
        if (sym[i] !== a || sym[i + 1] !== b) continue;
        if (i > 0) {
          const left = sym[i - 1] as number;
          addPair(left * PAIR_BASE + a, w, -c);
          addPair(left * PAIR_BASE + id, w, c);
          touched.add(left * PAIR_BASE + id);
        }
        if (i + 2 < n) {
          const right = sym[i + 2] as number;
          addPair(b * PAIR_BASE + right, w, -c);
          addPair(id * PAIR_BASE + right, w, c);
          touched.add(id * PAIR_BASE + right);
        }
        addPair(top.key, w, -c);
        sym[i] = id;
        sym.copyWithin(i + 1, i + 2, n);
        n--;
      }
      lengths[w] = n;
    }
    pairCount.delete(top.key);
    pairWords.delete(top.key);
    for (const key of touched) {
      const count = pairCount.get(key) ?? 0;
      if (count > 0) heap.push(count, key);
    }
    if (merges.length % 5000 === 0) log(`${merges.length} merges, last ${JSON.stringify(text)} x${live}`);
  }
  return { merges, tokens };
}
