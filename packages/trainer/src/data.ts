import type { MixDataset, MixIndex } from '@agentlm/mixer';
import type { StageHint } from './schedule.js';

/** One micro-batch: `rows` packed sequences of `seqLen` tokens, row-major, with a per-token loss mask. */
export interface TrainBatch {
  tokens: Int32Array;
  /** 1 where the token may be a training target (assistant tokens in chats, every token in text). */
  lossMask: Uint8Array;
  rows: number;
  seqLen: number;
  /** Curriculum stage the rows come from, when known. */
  stage?: string;
}

/** Where a batch source stands; JSON-serialisable, stored in checkpoints. */
export interface BatchSourceState {
  nextSequence: number;
  epoch: number;
}

/** A resumable stream of micro-batches. It cycles: after the last sequence, the next epoch starts. */
export interface BatchSource {
  next(): TrainBatch;
  state(): BatchSourceState;
  /** Sequences in one epoch. */
  readonly sequences: number;
}

/** Micro-batches of `rows` sequences from a mix folder, in stream order (batches never span stages). */
export function mixBatchSource(
  dataset: MixDataset,
  rows: number,
  start: BatchSourceState = { nextSequence: 0, epoch: 0 },
): BatchSource {
  let pos = { ...start };
  let iter = dataset.batches(rows, { nextSequence: pos.nextSequence });
  return {
    sequences: dataset.length,
    state: () => ({ ...pos }),
    next(): TrainBatch {
      let r = iter.next();
      if (r.done) {
        pos = { nextSequence: 0, epoch: pos.epoch + 1 };
        iter = dataset.batches(rows, { nextSequence: 0 });
        r = iter.next();
      }
      const b = r.value as NonNullable<typeof r.value>;
      pos = { nextSequence: b.state.nextSequence, epoch: pos.epoch };
      return {
        tokens: b.tokens,
        lossMask: b.lossMask,
        rows: b.batchSize,
        seqLen: b.seqLen,
        stage: b.stageName,
      };
    },
  };
}

/** Micro-batches from sequences held in memory (tests, small SFT sets); same cycling and state as a mix. */
export function arrayBatchSource(
  sequences: { tokens: ArrayLike<number>; lossMask?: ArrayLike<number> }[],
  rows: number,
  start: BatchSourceState = { nextSequence: 0, epoch: 0 },
): BatchSource {
  let pos = { ...start };
  const seqLen = sequences[0]?.tokens.length ?? 0;
  return {
    sequences: sequences.length,
    state: () => ({ ...pos }),
    next(): TrainBatch {
      if (pos.nextSequence >= sequences.length) pos = { nextSequence: 0, epoch: pos.epoch + 1 };
      const take = sequences.slice(pos.nextSequence, pos.nextSequence + rows);
      const tokens = new Int32Array(take.length * seqLen);
      const lossMask = new Uint8Array(take.length * seqLen).fill(1);
      take.forEach((s, r) => {
        tokens.set(Array.from(s.tokens), r * seqLen);
        if (s.lossMask) lossMask.set(Array.from(s.lossMask), r * seqLen);
      });
      pos = { nextSequence: pos.nextSequence + take.length, epoch: pos.epoch };
      return { tokens, lossMask, rows: take.length, seqLen };
    },
  };
}

/**
 * Stage hints for a warmup-stable-decay schedule: each stage of the mix lasts its share (by sequences)
 * of the run's optimizer steps.
 */
export function stageHintsFromMix(index: Pick<MixIndex, 'stages'>, totalSteps: number): StageHint[] {
  const total = index.stages.reduce((a, s) => a + s.sequences, 0);
  let assigned = 0;
  return index.stages.map((s, i) => {
    const steps =
      i === index.stages.length - 1
        ? totalSteps - assigned
        : Math.round((s.sequences / Math.max(1, total)) * totalSteps);
    assigned += steps;
    return { steps: Math.max(0, steps), lr: s.lr };
  });
}

/**
 * Inputs, next-token targets and target weights of a micro-batch: inputs are tokens[0..T-2] of each
 * row, targets tokens[1..T-1]; a target counts when `maskMode` is `all`, or when its loss-mask bit is set.
 */
export function shiftBatch(
  b: TrainBatch,
  maskMode: 'all' | 'assistant',
): { ids: Int32Array; targets: Int32Array; weights: Float32Array; counted: number; t: number } {
  const t = b.seqLen - 1;
  const ids = new Int32Array(b.rows * t);
  const targets = new Int32Array(b.rows * t);
  const weights = new Float32Array(b.rows * t);
  let counted = 0;
  for (let r = 0; r < b.rows; r++) {
    for (let i = 0; i < t; i++) {
      ids[r * t + i] = b.tokens[r * b.seqLen + i] as number;
      targets[r * t + i] = b.tokens[r * b.seqLen + i + 1] as number;
      const w = maskMode === 'all' || b.lossMask[r * b.seqLen + i + 1] ? 1 : 0;
      weights[r * t + i] = w;
      counted += w;
    }
  }
  return { ids, targets, weights, counted, t };
}
