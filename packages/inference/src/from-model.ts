import type { YoutuModel } from '@agentlm/model';
import type { Tokenizer } from '@agentlm/tokenizer';
import type { ChatFormat } from './chat.js';
import { youtuChatFormat } from './chat-format.js';
import { Engine, type ServingOptions } from './engine.js';
import { MlaLanguageModel, type MlaLanguageModelOptions } from './mla-model.js';

/** Everything needed to generate and chat with a model directory. */
export interface LoadedEngine {
  engine: Engine;
  model: MlaLanguageModel;
  /** null when the directory has no tokenizer.json (ids-only use). */
  tokenizer: Tokenizer | null;
  /** The chat template (the tokenizer's Jinja template, else the built-in Youtu format); null without a tokenizer. */
  format: ChatFormat | null;
}

/** An engine over an already built model (e.g. `YoutuModel.init` for tests and benchmarks). */
export function fromModel(
  youtu: YoutuModel,
  tokenizer: Tokenizer | null,
  options: MlaLanguageModelOptions & ServingOptions = {},
): LoadedEngine {
  const { maxBatch, maxWaiting, kvCacheBytes, prefillChunk, ...modelOptions } = options;
  const model = new MlaLanguageModel(youtu, modelOptions);
  const engine = new Engine(model, { tokenizer, maxBatch, maxWaiting, kvCacheBytes, prefillChunk });
  const format =
    tokenizer === null
      ? null
      : youtuChatFormat({
          template: tokenizer.chatTemplate,
          ...(tokenizer.bosToken === null ? {} : { bosToken: tokenizer.bosToken }),
          ...(tokenizer.eosToken === null ? {} : { eosToken: tokenizer.eosToken }),
        });
  return { engine, model, tokenizer, format };
}
