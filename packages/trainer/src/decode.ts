import { fromModel } from '@agentlm/inference';
import type { YoutuModel } from '@agentlm/model';

/** What the agent evaluation needs from a model: greedy continuation of a prompt until a stop id. */
export interface GreedyDecoder {
  /** Ids generated after `prompt` (stop id excluded), at most `maxNewTokens`. */
  continue(
    prompt: readonly number[],
    opts: { maxNewTokens: number; stopIds: readonly number[] },
  ): Promise<number[]>;
}

/**
 * Greedy decoding through @agentlm/inference (latent KV cache, chunked prefill, absorbed decode), so the
 * agent evaluation measures the model exactly as it will be served.
 */
export function greedyDecoder(model: YoutuModel): GreedyDecoder {
  const { engine } = fromModel(model, null);
  return {
    async continue(prompt, { maxNewTokens, stopIds }) {
      const limit = Math.min(maxNewTokens, model.config.maxPositionEmbeddings - prompt.length);
      if (limit <= 0) return [];
      const result = await engine
        .generate([...prompt], { temperature: 0, maxNewTokens: limit, stopTokenIds: [...stopIds] })
        .complete();
      const ids = result.ids;
      // The engine reports the stop id it ended on; the evaluation wants the continuation without it.
      return result.finishReason === 'stop' && stopIds.includes(ids.at(-1) as number)
        ? ids.slice(0, -1)
        : ids;
    },
  };
}
