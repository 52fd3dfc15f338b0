import { TrainConfigError } from './errors.js';

/** How one optimizer step is split into micro-batches. */
export interface AccumulationPlan {
  /** Micro-batches per optimizer step. */
  microBatches: number;
  /** Sequences per micro-batch. */
  microBatchSequences: number;
  seqLen: number;
  /** Tokens per optimizer step (microBatches × microBatchSequences × seqLen). */
  tokensPerStep: number;
}

/**
 * Rounds a token batch size to whole micro-batches: the step holds at least `tokenBatchSize`
 * tokens' worth of sequences, split into micro-batches of `microBatchSequences` sequences.
 */
export function planAccumulation(
  tokenBatchSize: number,
  microBatchSequences: number,
  seqLen: number,
): AccumulationPlan {
  for (const [field, v] of [
    ['batch.tokens', tokenBatchSize],
    ['batch.microBatchSequences', microBatchSequences],
    ['seqLen', seqLen],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0)
      throw new TrainConfigError(`${field} must be a positive integer, got ${v}`);
  }
  const microTokens = microBatchSequences * seqLen;
  const microBatches = Math.max(1, Math.ceil(tokenBatchSize / microTokens));
  return { microBatches, microBatchSequences, seqLen, tokensPerStep: microBatches * microTokens };
}

/**
 * Weights that turn per-micro-batch mean losses into the mean over every counted token of the step:
 * micro-batch i weighs counted_i / Σ counted. With masking, micro-batches count different numbers of
 * tokens, and a plain 1/k average would not equal the loss of one large batch.
 */
export function microBatchWeights(countedTokens: number[]): number[] {
  const total = countedTokens.reduce((a, b) => a + b, 0);
  if (total === 0) return countedTokens.map(() => 0);
  return countedTokens.map((c) => c / total);
}
