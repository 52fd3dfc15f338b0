import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, type YoutuModel } from '@agentlm/model';
import { type Backend, type BackendName, initBackend } from '@agentlm/tensor';
import { Tokenizer } from '@agentlm/tokenizer';
import type { ChatFormat } from './chat.js';
import { youtuChatFormat } from './chat-format.js';
import { Engine } from './engine.js';
import { MlaLanguageModel, type MlaLanguageModelOptions } from './mla-model.js';

export interface LoadEngineOptions extends MlaLanguageModelOptions {
  /** A backend, or its name ('auto' = WebGPU when an adapter exists, else CPU). Default 'auto'. */
  backend?: Backend | 'auto' | BackendName;
  /** Storage dtype of the weights on the device (math is f32). Default f32. */
  weightsDtype?: 'f32' | 'f16' | 'bf16';
  /** Most requests admitted at once before QueueFullError. Default 64. */
  maxRequests?: number;
}

/** Everything needed to generate and chat with a model directory. */
export interface LoadedEngine {
  engine: Engine;
  model: MlaLanguageModel;
  /** null when the directory has no tokenizer.json (ids-only use). */
  tokenizer: Tokenizer | null;
  /** The chat template (the tokenizer's Jinja template, else the built-in Youtu format); null without a tokenizer. */
  format: ChatFormat | null;
}

/**
 * Loads an HF checkpoint directory (config.json + safetensors, optional tokenizer files) into an
 * engine ready to generate, chat and serve.
 */
export async function loadEngine(dir: string, options: LoadEngineOptions = {}): Promise<LoadedEngine> {
  const { backend = 'auto', weightsDtype = 'f32', maxRequests, name, ...modelOptions } = options;
  const device = typeof backend === 'string' ? await initBackend(backend) : backend;
  const youtu = await loadModel(dir, { backend: device, dtype: weightsDtype, requiresGrad: false });
  const tokenizer = await loadTokenizer(dir);
  return fromModel(youtu, tokenizer, { ...modelOptions, name: name ?? dirName(dir), maxRequests });
}

/** An engine over an already built model (e.g. `YoutuModel.init` for tests and benchmarks). */
export function fromModel(
  youtu: YoutuModel,
  tokenizer: Tokenizer | null,
  options: MlaLanguageModelOptions & { maxRequests?: number } = {},
): LoadedEngine {
  const model = new MlaLanguageModel(youtu, options);
  const engine = new Engine(model, { tokenizer, maxRequests: options.maxRequests });
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

async function loadTokenizer(dir: string): Promise<Tokenizer | null> {
  const file = join(dir, 'tokenizer.json');
  const present = await access(file).then(
    () => true,
    () => false,
  );
  return present ? Tokenizer.fromFile(dir) : null;
}

function dirName(dir: string): string {
  return (
    dir
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() || 'model'
  );
}
