import {
  type CachedModel,
  type DownloadProgress,
  deleteCachedModel,
  fetchModelFiles,
  listCachedModels,
  type ModelStore,
  OpfsModelStore,
  RemoteModelError,
} from '@agentlm/model';
import type { ModelFiles } from './protocol.js';

/**
 * Models loaded by URL, through @agentlm/model's download cache in the origin private file system (one store
 * for every model the playground keeps: the shipped one and any URL). Runs in the worker, the store's only user.
 */
let opened: Promise<ModelStore> | null = null;
const store = () => {
  opened ??= OpfsModelStore.open();
  return opened;
};

/** The cache entry of a model URL (`fetchModelFiles` records the folder's base URL, e.g. with a trailing `/`). */
async function cachedEntry(url: string): Promise<CachedModel | undefined> {
  const bare = url.replace(/\/+$/, '');
  return (await listCachedModels(await store())).find((m) => m.url === url || m.url.startsWith(`${bare}/`));
}

/**
 * The files of the model folder at `url` (checkpoint, tokenizer and its `tools.json` when it has one), downloaded
 * into the cache or read from it. With `preferCache`, a cached copy is used without asking the server (no request
 * at all on a second visit); otherwise each cached file is revalidated.
 */
export async function fetchModel(
  url: string,
  preferCache: boolean,
  onProgress: (p: DownloadProgress) => void,
): Promise<ModelFiles> {
  const cache = await store();
  if (preferCache && (await cachedEntry(url)) !== undefined) {
    try {
      return Object.fromEntries(await fetchModelFiles(url, { cache, offline: true, onProgress }));
    } catch (err) {
      // a file missing from the cached copy (a download cut short): fetch what is missing
      if (!(err instanceof RemoteModelError && err.code === 'OFFLINE')) throw err;
    }
  }
  return Object.fromEntries(await fetchModelFiles(url, { cache, onProgress }));
}

export interface CachedListing {
  url: string;
  bytes: number;
}

export async function listCached(): Promise<CachedListing[]> {
  const models = await listCachedModels(await store());
  return models.map((m) => ({ url: m.url, bytes: m.bytes + m.partialBytes }));
}

export async function deleteCached(url: string): Promise<void> {
  await deleteCachedModel(await store(), url);
}
