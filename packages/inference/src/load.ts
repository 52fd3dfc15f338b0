import { type DownloadOptions, downloadModel, isModelUrl, loadModel } from '@agentlm/model';
import { type Backend, type BackendName, type DType, initBackend } from '@agentlm/tensor';
import { Tokenizer, TokenizerError } from '@agentlm/tokenizer';
import type { ServingOptions } from './engine.js';
import { fromModel, type LoadedEngine } from './from-model.js';
import type { MlaLanguageModelOptions } from './mla-model.js';

export interface LoadEngineOptions extends MlaLanguageModelOptions, ServingOptions, DownloadOptions {
  /** A backend, or its name ('auto' = WebGPU when an adapter exists, else CPU). Default 'auto'. */
  backend?: Backend | 'auto' | BackendName;
  /**
   * Storage dtype of the weights on the device (math is f32): f32, f16, bf16, or q8/q4 (quantized while loading a
   * float checkpoint). Default: the checkpoint's own (bf16 stays bf16, a quantized checkpoint stays quantized).
   */
  weightsDtype?: Exclude<DType, 'i32'>;
  /** Refuse weights holding NaN or ±Infinity (default true; false for inspection). */
  checkFinite?: boolean;
}

/**
 * Loads an HF checkpoint directory (config.json + safetensors, optional tokenizer files) into an
 * engine ready to generate, chat and serve. An http(s) URL is a Hugging Face model folder, downloaded into the
 * cache folder first (resumed, revalidated, offline from the cache: see `downloadModel` of @agentlm/model).
 */
export async function loadEngine(dirOrUrl: string, options: LoadEngineOptions = {}): Promise<LoadedEngine> {
  const {
    backend = 'auto',
    weightsDtype,
    checkFinite,
    name,
    cacheDir,
    onDownloadProgress,
    offline,
    retries,
    signal,
    fetch,
    headers,
    ...engineOptions
  } = options;
  const dir = isModelUrl(dirOrUrl)
    ? await downloadModel(dirOrUrl, {
        cacheDir,
        onDownloadProgress,
        offline,
        retries,
        signal,
        fetch,
        headers,
      })
    : dirOrUrl;
  const device = typeof backend === 'string' ? await initBackend(backend) : backend;
  const youtu = await loadModel(dir, {
    backend: device,
    dtype: weightsDtype,
    requiresGrad: false,
    checkFinite,
  });
  const tokenizer = await loadTokenizer(dir);
  return fromModel(youtu, tokenizer, {
    ...engineOptions,
    name: name ?? dirName(isModelUrl(dirOrUrl) ? new URL(dirOrUrl).pathname : dir),
  });
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
