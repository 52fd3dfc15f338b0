import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixerFormatError } from './errors.js';
import { type PackedSequence, Shard } from './shard.js';

/** `index.json` of a mix folder: the stages and the shards, in stream order. */
export interface MixIndex {
  format: 'agentlm-mix';
  version: 1;
  seed: number;
  vocabSize: number;
  eosId: number;
  tokenizer?: string;
  /** False while a build is still running or was interrupted (the shards listed are complete). */
  complete: boolean;
  sequences: number;
  tokens: number;
  stages: { name: string; seqLen: number; lr: 'warmup' | 'stable' | 'decay'; sequences: number }[];
  shards: {
    file: string;
    stage: number;
    seqLen: number;
    sequences: number;
    firstSequence: number;
    firstToken: number;
  }[];
}

/** A training batch: `batchSize` rows of `seqLen` tokens, row-major. Batches never span two stages. */
export interface PackedBatch {
  tokens: Int32Array;
  lossMask: Uint8Array;
  /** Per row, where documents begin (for document-aware attention masks or position resets). */
  docStarts: Int32Array[];
  batchSize: number;
  seqLen: number;
  stage: number;
  stageName: string;
  lr: 'warmup' | 'stable' | 'decay';
  /** Global index of the first row's sequence. */
  firstSequence: number;
}

/** Where a batch reader stands; store it in a training checkpoint and pass it back to resume. */
export interface BatchReaderState {
  nextSequence: number;
}

/** Random access to the packed sequences of a mix folder written by `buildMix`. */
export class MixDataset {
  private cached: { file: string; shard: Shard } | null = null;

  private constructor(
    readonly dir: string,
    readonly index: MixIndex,
  ) {}

  static open(dir: string): MixDataset {
    const path = join(dir, 'index.json');
    if (!existsSync(path))
      throw new MixerFormatError(
        `${dir}: no index.json (not a mix folder, or the build has not written a shard yet)`,
      );
    const index = JSON.parse(readFileSync(path, 'utf8')) as MixIndex;
    if (index.format !== 'agentlm-mix')
      throw new MixerFormatError(
        `${path}: format is ${JSON.stringify(index.format)}, expected "agentlm-mix"`,
      );
    return new MixDataset(dir, index);
  }

  get length(): number {
    return this.index.sequences;
  }

  /** Sequence `i` of the whole mix. */
  get(i: number): PackedSequence {
    const { shard, local } = this.locate(i);
    return shard.sequence(local);
  }

  /**
   * Reads batches in stream order from `state` (default: the start). A batch holds up to `batchSize`
   * sequences of one stage; the last batch of a stage may be shorter.
   */
  *batches(
    batchSize: number,
    state: BatchReaderState = { nextSequence: 0 },
  ): Generator<PackedBatch & { state: BatchReaderState }> {
    let next = state.nextSequence;
    while (next < this.length) {
      const first = this.locate(next);
      const { stage, stageName, lr, seqLen } = first.shard.header;
      const rows = Math.min(
        batchSize,
        first.shard.header.firstSequence + first.shard.header.sequences - next,
        this.stageEnd(stage) - next,
      );
      const tokens = new Int32Array(rows * seqLen);
      const lossMask = new Uint8Array(rows * seqLen);
      const docStarts: Int32Array[] = [];
      for (let r = 0; r < rows; r++) {
        const { shard, local } = this.locate(next + r);
        docStarts.push(shard.copyInto(local, tokens, lossMask, r * seqLen));
      }
      yield {
        tokens,
        lossMask,
        docStarts,
        batchSize: rows,
        seqLen,
        stage,
        stageName,
        lr,
        firstSequence: next,
        state: { nextSequence: next + rows },
      };
      next += rows;
    }
  }

  /** The shard holding sequence `i` (binary search over the index) and the sequence's index within it. */
  locate(i: number): { shard: Shard; local: number } {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new MixerFormatError(`${this.dir}: sequence ${i} out of range (0..${this.length - 1})`);
    const shards = this.index.shards;
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (shards[mid].firstSequence <= i) lo = mid;
      else hi = mid - 1;
    }
    const entry = shards[lo];
    if (this.cached?.file !== entry.file)
      this.cached = { file: entry.file, shard: new Shard(join(this.dir, entry.file)) };
    return { shard: this.cached.shard, local: i - entry.firstSequence };
  }

  private stageEnd(stage: number): number {
    let end = 0;
    for (const s of this.index.shards)
      if (s.stage <= stage) end = Math.max(end, s.firstSequence + s.sequences);
    return end;
  }
}
