import { type DownloadProgress, type FetchModelOptions, syncModel } from './fetch-model.js';

export interface DownloadOptions extends Omit<FetchModelOptions, 'cache' | 'onProgress'> {
  /** The cache folder (Node). Default `$AGENTLM_CACHE`, else `$XDG_CACHE_HOME/agentlm`, else `~/.cache/agentlm`. */
  cacheDir?: string;
  onDownloadProgress?: (p: DownloadProgress) => void;
}

/**
 * Node: brings the model folder at `url` into the cache folder (see `fetchModelFiles` for resume, revalidation
 * and offline use) and returns the local checkpoint directory, which `loadModel` and the tokenizer read.
 */
export async function downloadModel(url: string, opts: DownloadOptions = {}): Promise<string> {
  // loaded on first use, so that bundling the package for a browser pulls in no file-system code eagerly
  const { DirectoryModelStore } = await import('./dir-store.js');
  const { cacheDir, onDownloadProgress, ...rest } = opts;
  const store = new DirectoryModelStore(cacheDir);
  const { entry } = await syncModel(url, { ...rest, cache: store, onProgress: onDownloadProgress });
  return store.pathOf(entry);
}
