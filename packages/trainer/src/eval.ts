import type { YoutuModel } from '@agentlm/model';
import { noGrad, tensor, tidy } from '@agentlm/tensor';
import { shiftBatch } from './data.js';

/** Held-out loss of one domain: mean next-token cross-entropy over counted targets, and its perplexity. */
export interface DomainLoss {
  loss: number;
  perplexity: number;
  /** Targets counted. */
  tokens: number;
}

/** Rows of one domain to evaluate; `lossMask` marks the tokens that count as targets (default all). */
export interface LossSet {
  domain: string;
  rows: { tokens: ArrayLike<number>; lossMask?: ArrayLike<number> }[];
}

/**
 * Held-out loss and perplexity per domain, without gradients. Rows are evaluated `rowsPerBatch` at a
 * time; the mean weighs every counted target equally, so it does not depend on the batching.
 */
export async function heldOutLoss(
  model: YoutuModel,
  sets: LossSet[],
  rowsPerBatch = 4,
): Promise<Record<string, DomainLoss>> {
  const out: Record<string, DomainLoss> = {};
  for (const set of sets) {
    let total = 0;
    let counted = 0;
    for (let r = 0; r < set.rows.length; r += rowsPerBatch) {
      const chunk = set.rows.slice(r, r + rowsPerBatch);
      const seqLen = chunk[0]?.tokens.length ?? 0;
      const tokens = Int32Array.from(chunk.flatMap((row) => Array.from(row.tokens)));
      const lossMask = Uint8Array.from(
        chunk.flatMap((row) => (row.lossMask ? Array.from(row.lossMask) : Array(seqLen).fill(1))),
      );
      const s = shiftBatch({ tokens, lossMask, rows: chunk.length, seqLen }, 'assistant');
      if (s.counted === 0) continue;
      const loss = noGrad(() =>
        tidy(() => {
          const backend = model.backend;
          const opts = { backend };
          return model.forward(tensor(s.ids, [chunk.length, s.t], opts), {
            targets: tensor(s.targets, [chunk.length, s.t], opts),
            lossMask: tensor(s.weights, [chunk.length, s.t], opts),
          }).loss;
        }),
      );
      total += (await loss.item()) * s.counted;
      loss.dispose();
      counted += s.counted;
    }
    const mean = counted > 0 ? total / counted : Number.NaN;
    out[set.domain] = { loss: mean, perplexity: Math.exp(mean), tokens: counted };
  }
  return out;
}
