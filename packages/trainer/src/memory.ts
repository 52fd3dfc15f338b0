import { freemem } from 'node:os';
import type { YoutuConfig } from '@agentlm/model';
import { weightSpecs } from '@agentlm/model';
import { TrainerMemoryError } from './errors.js';

/** Bytes a training run holds at its peak, by part (f32 everywhere). */
export interface MemoryEstimate {
  /** Weights, gradients and the two AdamW moments. */
  parameters: number;
  /** Activations kept for the backward pass of one micro-batch, logits included. */
  activations: number;
  total: number;
}

/**
 * A rough upper estimate of training memory for one micro-batch of `rows` × `seqLen` tokens: 16 bytes
 * per parameter (weight, grad, m, v) plus per-token activations of every layer (norms, MLA projections,
 * attention scores and probabilities, SwiGLU) and the logits with their softmax and gradient.
 */
export function estimateTrainingMemory(c: YoutuConfig, rows: number, seqLen: number): MemoryEstimate {
  const params = weightSpecs(c).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const tokens = rows * seqLen;
  const h = c.numAttentionHeads;
  const qk = c.qkNopeHeadDim + c.qkRopeHeadDim;
  const perTokenLayer =
    8 * c.hiddenSize +
    2 * (c.qLoraRank ?? 0) +
    3 * h * qk +
    2 * (c.kvLoraRank + c.qkRopeHeadDim) +
    2 * h * (c.qkNopeHeadDim + c.vHeadDim) +
    2 * h * seqLen +
    4 * c.intermediateSize;
  const activations = 4 * tokens * (perTokenLayer * c.numHiddenLayers + 3 * c.vocabSize);
  const parameters = 16 * params;
  return { parameters, activations, total: parameters + activations };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** The estimate in words, with what to reduce (shared by the pre-check and the device-failure message). */
export function describeMemory(e: MemoryEstimate, rows: number, seqLen: number): string {
  return (
    `training needs about ${mib(e.total)} (${mib(e.parameters)} for weights, gradients and AdamW moments, ` +
    `${mib(e.activations)} of activations for a micro-batch of ${rows} × ${seqLen} tokens); ` +
    'lower batch.microBatchSequences (gradient accumulation keeps the token batch size), the sequence length, or the model size'
  );
}

/** Throws TrainerMemoryError with the estimate and what to reduce when it exceeds `availableBytes`. */
export function checkTrainingMemory(
  c: YoutuConfig,
  rows: number,
  seqLen: number,
  availableBytes = freemem(),
): MemoryEstimate {
  const e = estimateTrainingMemory(c, rows, seqLen);
  if (e.total > availableBytes) {
    throw new TrainerMemoryError(
      `only ${mib(availableBytes)} of memory is free: ${describeMemory(e, rows, seqLen)}`,
    );
  }
  return e;
}
