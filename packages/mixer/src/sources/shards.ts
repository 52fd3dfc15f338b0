import { MixDataset } from '../dataset.js';
import type { ProblemHandler, SourceItem, SourcePosition, SourceReader } from './source.js';
import { startPosition } from './source.js';

/**
 * Documents read back from mix folders written by this package (already tokenized, loss masks kept).
 * Position: folder index and the global sequence and in-sequence offset of the next document start,
 * packed as `offset = sequence * 2^24 + position` (sequences are at most 2^24 tokens long).
 */
export class ShardSource implements SourceReader {
  private pos = startPosition();
  private dataset: MixDataset | null = null;

  constructor(
    readonly name: string,
    private readonly dirs: string[],
    _onError: 'skip' | 'fail',
    _onProblem: ProblemHandler,
  ) {}

  async next(): Promise<SourceItem | null> {
    while (this.pos.file < this.dirs.length) {
      this.dataset ??= MixDataset.open(this.dirs[this.pos.file]);
      const doc = this.readDocument(this.dataset);
      if (doc) return doc;
      this.dataset = null;
      this.pos = { ...this.pos, file: this.pos.file + 1, offset: 0, line: 1 };
    }
    return null;
  }

  position(): SourcePosition {
    return { ...this.pos };
  }

  seek(pos: SourcePosition): void {
    this.dataset = null;
    this.pos = { ...pos };
  }

  private readDocument(ds: MixDataset): SourceItem | null {
    let seq = Math.floor(this.pos.offset / 2 ** 24);
    let at = this.pos.offset % 2 ** 24;
    if (seq >= ds.length) return null;
    const where = `${this.dirs[this.pos.file]}#${seq}:${at}`;
    const ids: number[] = [];
    const lossMask: number[] = [];
    for (;;) {
      const s = ds.get(seq);
      const end = s.docStarts.find((p) => p > at) ?? s.tokens.length;
      for (let k = at; k < end; k++) {
        ids.push(s.tokens[k]);
        lossMask.push(s.lossMask[k]);
      }
      if (end < s.tokens.length) {
        at = end;
        break;
      }
      seq++;
      at = 0;
      if (seq >= ds.length) break;
      const following = ds.get(seq);
      if (following.docStarts[0] === 0) break;
    }
    this.pos.offset = seq * 2 ** 24 + at;
    return { doc: { ids, lossMask, endsWithEos: ids[ids.length - 1] === ds.index.eosId }, where };
  }
}
