/**
 * The seam between generation and a model. Generation, chat, the scheduler and the server only see
 * this interface, so they run the same over the real MLA engine (`loadEngine`) and over small
 * scripted fakes in tests.
 */

/** One sequence's state on a loaded model: its latent KV cache and position. */
export interface ModelSequence {
  /** Tokens held in the cache. */
  readonly length: number;
  /**
   * Appends tokens at the end of the sequence (a prefill when several, a decode step when one) and
   * returns the logits that follow the last of them (vocabSize floats on the host).
   */
  append(ids: readonly number[]): Promise<Float32Array>;
  /**
   * Optional: appends like `append` and returns only the id of the largest logit (the lowest id on ties),
   * computed where the logits are; on a GPU only that id is read back, not the vocabulary-sized row.
   * Generation uses it for plain greedy decoding (no logit bias, no penalties).
   */
  appendGreedy?(ids: readonly number[]): Promise<number>;
  /**
   * Optional: appends like `append` and returns only the k largest logits (largest first, the lower id
   * on ties) and their ids, selected where the logits are; on a GPU only those 2k numbers are read back.
   * It may return the whole row instead (the MLA engine does when a candidate is NaN). Generation uses
   * it for top-k sampling with k <= 256 and no logit bias or penalties (`Sampler.deviceTopK`).
   */
  appendTopK?(ids: readonly number[], k: number): Promise<TopKLogits | Float32Array>;
  /**
   * Optional: makes room for `tokens` tokens in all, so that the sequence grows to that length without
   * allocating (the scheduler reserves a request's whole cache when it starts, within `--kv-cache-bytes`).
   */
  reserve?(tokens: number): void;
  /** Forgets every token from `length` on (prefix reuse across chat turns). */
  truncate(length: number): void;
  /** Frees the cache; the sequence cannot be used afterwards. */
  dispose(): void;
}

/** The k best logits of a row, largest first (ties: lower id first), and their token ids. */
export interface TopKLogits {
  values: Float32Array;
  ids: Int32Array;
}

/** What a step hands the sampler: the logits row, only the greedy id, or only the k best logits. */
export type StepWant = 'logits' | 'greedy' | { topK: number };

/** A step's result, per `StepWant`: the row (always allowed), the greedy id, or the k best. */
export type StepOutput = Float32Array | number | TopKLogits;

/** One sequence's part of a batched decode step: its next token and what the sampler needs back. */
export interface DecodeRequest {
  sequence: ModelSequence;
  id: number;
  want: StepWant;
}

/** A loaded model that sequences share. */
export interface LanguageModel {
  /** Name reported by `/v1/models` and in responses. */
  readonly name: string;
  readonly vocabSize: number;
  /** Most tokens one sequence may hold (max_position_embeddings, or less when memory is short). */
  readonly contextLength: number;
  /** Token ids that end a generation by default (the model's eos ids). */
  readonly eosTokenIds: readonly number[];
  newSequence(): ModelSequence;
  /**
   * Optional: one decode step for several of its sequences at once (distinct sequences, one token each), the
   * outputs in request order. It reads the weights once for the batch; the scheduler runs every request's decode
   * through it. Without it the scheduler steps the sequences one after another.
   */
  decodeBatch?(requests: readonly DecodeRequest[]): Promise<StepOutput[]>;
  /** Optional: cache bytes a sequence of `tokens` tokens holds once reserved (what `--kv-cache-bytes` counts). */
  cacheBytes?(tokens: number): number;
}

/** What generation needs from a tokenizer: the bytes of token ids, and text → ids for prompts. */
export interface TokenCodec {
  /** Ids at or above this have no text; generation never samples them. Absent: every model id decodes. */
  readonly vocabSize?: number;
  encode(text: string): number[];
  decodeBytes(ids: readonly number[]): Uint8Array;
}
