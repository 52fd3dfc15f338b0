import { ContiguousLatentCache, type YoutuModel } from '@agentlm/model';

/** What the agent evaluation needs from a model: greedy continuation of a prompt until a stop id. */
export interface GreedyDecoder {
  /** Ids generated after `prompt` (stop id excluded), at most `maxNewTokens`. */
  continue(
    prompt: readonly number[],
    opts: { maxNewTokens: number; stopIds: readonly number[] },
  ): Promise<number[]>;
}

function argmax(row: Float32Array | Int32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i;
  return best;
}

/**
 * A minimal greedy decoder over the model's latent cache (prefill once, then absorbed decode steps).
 * It stands behind the same seam as @agentlm/inference's generation, so the evaluation can use either.
 */
export function greedyDecoder(model: YoutuModel): GreedyDecoder {
  return {
    async continue(prompt, { maxNewTokens, stopIds }) {
      const limit = Math.min(maxNewTokens, model.config.maxPositionEmbeddings - prompt.length);
      if (limit <= 0) return [];
      const cache = new ContiguousLatentCache(model.config);
      const out: number[] = [];
      try {
        let logits = model.prefill(prompt, cache);
        for (;;) {
          const next = argmax(await logits.data());
          logits.dispose();
          if (stopIds.includes(next)) break;
          out.push(next);
          if (out.length >= limit) break;
          logits = model.decodeStep(next, cache);
        }
      } finally {
        cache.dispose();
      }
      return out;
    },
  };
}
