/** Accuracy measures of a model against a reference model: held-out loss from logits, greedy-continuation agreement. */

/**
 * Summed next-token cross-entropy of one sequence from its logits [T, vocab] (row t predicts tokens[t + 1]),
 * in f64 with a max-subtracted log-sum-exp; `count` = T - 1 targets.
 */
export function nextTokenLoss(
  logits: ArrayLike<number>,
  vocab: number,
  tokens: ArrayLike<number>,
): { total: number; count: number } {
  if (logits.length !== tokens.length * vocab) {
    throw new RangeError(
      `nextTokenLoss: ${logits.length} logits for ${tokens.length} tokens of a ${vocab}-id vocabulary`,
    );
  }
  let total = 0;
  for (let t = 0; t + 1 < tokens.length; t++) {
    const row = t * vocab;
    let max = Number.NEGATIVE_INFINITY;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[row + v] as number);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp((logits[row + v] as number) - max);
    total += max + Math.log(sum) - (logits[row + (tokens[t + 1] as number)] as number);
  }
  return { total, count: Math.max(0, tokens.length - 1) };
}

/** How far greedy continuations of the same prompts agree with the reference model's. */
export interface Agreement {
  /** Share of reference tokens reproduced before each continuation first diverges from its reference. */
  prefix: number;
  /** Share of positions holding the reference's token, whether or not an earlier token diverged. */
  positional: number;
  /** Continuations identical to their reference. */
  identical: number;
  continuations: number;
}

/**
 * Agreement of `candidate` continuations with `reference` ones, prompt by prompt; both shares are over all the
 * reference's tokens, so a continuation that stops early counts its missing tokens as disagreeing.
 */
export function greedyAgreement(
  reference: readonly (readonly number[])[],
  candidate: readonly (readonly number[])[],
): Agreement {
  if (reference.length !== candidate.length) {
    throw new RangeError(
      `greedyAgreement: ${reference.length} reference continuations but ${candidate.length} candidates`,
    );
  }
  let total = 0;
  let prefix = 0;
  let positional = 0;
  let identical = 0;
  reference.forEach((ref, k) => {
    const cand = candidate[k] as readonly number[];
    total += ref.length;
    let diverged = false;
    for (let i = 0; i < ref.length; i++) {
      const same = cand[i] === ref[i];
      if (same) positional++;
      if (!same) diverged = true;
      if (!diverged) prefix++;
    }
    if (!diverged && cand.length === ref.length) identical++;
  });
  return {
    prefix: total > 0 ? prefix / total : Number.NaN,
    positional: total > 0 ? positional / total : Number.NaN,
    identical,
    continuations: reference.length,
  };
}

/**
 * Mean next-token loss of a unigram model (add-one smoothed token frequencies of `train`) on `heldOut`: what a
 * model that knows the token frequencies and nothing of context scores, between uniform (ln vocab) and a model
 * that uses context.
 */
export function unigramLoss(
  train: readonly (readonly number[])[],
  heldOut: readonly (readonly number[])[],
  vocab: number,
): number {
  const counts = new Float64Array(vocab).fill(1);
  for (const row of train) for (const id of row) counts[id] = (counts[id] as number) + 1;
  const total = counts.reduce((a, b) => a + b, 0);
  let loss = 0;
  let n = 0;
  // targets only, as nextTokenLoss counts them: every token after a row's first
  for (const row of heldOut) {
    for (let t = 1; t < row.length; t++) {
      loss -= Math.log((counts[row[t] as number] as number) / total);
      n++;
    }
  }
  return loss / n;
}
