/** Every size knob of the demo in one place: the default run and the reduced `--quick` run. */
export interface DemoSizes {
  /** Tokenizer vocabulary (the model's vocab_size follows it). */
  vocab: number;
  /** Generated documents per text domain in the tokenizer corpus. */
  tokenizerDocs: number;
  /** Trajectories over math and every tool kind in the tokenizer corpus (the chat format, broadly). */
  tokenizerTrajectories: number;
  /** Verified trajectories synthesized for mid-training (the demo's tool-use kinds, difficulty 1). */
  trajectories: number;
  /** Held-out agent tasks (one domain: tools). */
  heldOutTasks: number;
  /** Sequence length of the main pre-training stages (the long-context stage doubles it). */
  seqLen: number;
  /** Sequence length of mid-training: long enough for a tool task's prompt (tool specs) and its answer. */
  midtrainSeqLen: number;
  /** Sequences of `seqLen` per micro-batch (fewer, longer ones at longer lengths) and micro-batches per step. */
  rows: number;
  microBatches: number;
  /** Micro-batches per mid-training step: fewer tokens per step buys a tiny model more updates. */
  midtrainMicroBatches: number;
  pretrainTokens: number;
  midtrainTokens: number;
  peakLr: number;
  /**
   * Peak LR of mid-training: a tiny model needs a high one to learn its tool calls within the budget, but at
   * 1e-2 it ended at a higher loss (train 0.074, held-out agent tokens 0.136) and answered with values it had
   * memorised instead of the tool's (2 of 20 held-out tasks); 5e-3 ended at 0.025 / 0.069 and passed all 20 in
   * the same tokens.
   */
  midtrainPeakLr: number;
  /** Held-out loss rows per domain. */
  evalRows: number;
  /** Longest assistant turn the agent evaluation generates. */
  maxNewTokens: number;
}

export const DEMO_SIZES: Record<'default' | 'quick', DemoSizes> = {
  default: {
    vocab: 1024,
    tokenizerDocs: 150,
    tokenizerTrajectories: 320,
    trajectories: 600,
    heldOutTasks: 20,
    seqLen: 128,
    midtrainSeqLen: 512,
    rows: 4,
    microBatches: 2,
    midtrainMicroBatches: 2,
    pretrainTokens: 32_000,
    midtrainTokens: 900_000,
    peakLr: 4e-3,
    midtrainPeakLr: 5e-3,
    evalRows: 4,
    maxNewTokens: 128,
  },
  quick: {
    vocab: 400,
    tokenizerDocs: 20,
    tokenizerTrajectories: 16,
    trajectories: 16,
    heldOutTasks: 2,
    seqLen: 64,
    midtrainSeqLen: 128,
    rows: 2,
    microBatches: 2,
    midtrainMicroBatches: 2,
    pretrainTokens: 1_500,
    midtrainTokens: 1_500,
    peakLr: 4e-3,
    midtrainPeakLr: 1e-2,
    evalRows: 1,
    maxNewTokens: 12,
  },
};
