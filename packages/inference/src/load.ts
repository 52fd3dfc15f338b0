import { loadModel } from '@agentlm/model';
import { type Backend, type BackendName, initBackend } from '@agentlm/tensor';
import { Tokenizer, TokenizerError } from '@agentlm/tokenizer';
import { fromModel, type LoadedEngine } from './from-model.js';
import type { MlaLanguageModelOptions } from './mla-model.js';

export interface LoadEngineOptions extends MlaLanguageModelOptions {
  /** A backend, or its name ('auto' = WebGPU when an adapter exists, else CPU). Default 'auto'. */
  backend?: Backend | 'auto' | BackendName;
  /** Storage dtype of the weights on the device (math is f32). Default f32. */
  weightsDtype?: 'f32' | 'f16' | 'bf16';
  /** Most requests admitted at once before QueueFullError. Default 64. */
  maxRequests?: number;
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

/** The directory's tokenizer, or null when it has no tokenizer.json (a malformed one still throws). */
async function loadTokenizer(dir: string): Promise<Tokenizer | null> {
  try {
    return await Tokenizer.fromFile(dir);
  } catch (err) {
    if (err instanceof TokenizerError && err.code === 'TOKENIZER_NOT_FOUND') return null;
    throw err;
  }
}

function dirName(dir: string): string {
  return (
    dir
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() || 'model'
  );
}
