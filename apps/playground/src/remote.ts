import { TOOL_MANIFEST_FILE } from '@agentlm/inference';
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
 * The files of the model folder at `url`, downloaded into the cache or read from it, plus its `tools.json`
 * when the folder has one (kept in the same cache entry). With `preferCache`, a cached copy is used without
 * asking the server (no request at all on a second visit); otherwise each cached file is revalidated.
 */
export async function fetchModel(
  url: string,
  preferCache: boolean,
  onProgress: (p: DownloadProgress) => void,
): Promise<ModelFiles> {
  const cache = await store();
  let files: Map<string, Blob> | null = null;
  let offline = false;
  if (preferCache && (await cachedEntry(url)) !== undefined) {
    try {
      files = await fetchModelFiles(url, { cache, offline: true, onProgress });
      offline = true;
    } catch (err) {
      // a file missing from the cached copy (a download cut short): fetch what is missing
      if (!(err instanceof RemoteModelError && err.code === 'OFFLINE')) throw err;
    }
  }
  files ??= await fetchModelFiles(url, { cache, onProgress });
  const out: ModelFiles = Object.fromEntries(files);
  const manifest = await toolManifest(url, cache, offline);
  if (manifest) out[TOOL_MANIFEST_FILE] = manifest;
  return out;
}

/**
 * The folder's tool manifest: from the cache entry, else fetched beside config.json and kept there (the
 * download cache fetches the checkpoint and tokenizer files only). Null when the folder has none.
 */
async function toolManifest(url: string, cache: ModelStore, offline: boolean): Promise<Blob | null> {
  const entry = await cachedEntry(url);
  if (entry === undefined) return null;
  const cached = await cache.file(entry.entry, TOOL_MANIFEST_FILE);
  if (cached !== null || offline) return cached;
  const response = await fetch(new URL(TOOL_MANIFEST_FILE, entry.url));
  if (!response.ok) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  await cache.writeFile(entry.entry, TOOL_MANIFEST_FILE, bytes);
  return new Blob([bytes]);
}

export interface CachedListing {
  url: string;
  bytes: number;
}

export async function listCached(): Promise<CachedListing[]> {
  const cache = await store();
  const models = await listCachedModels(cache);
  return Promise.all(
    models.map(async (m) => ({
      url: m.url,
      // the download cache counts the files it fetched; the manifest kept beside them counts too
      bytes: m.bytes + m.partialBytes + ((await cache.size(m.entry, TOOL_MANIFEST_FILE)) ?? 0),
    })),
  );
}

export async function deleteCached(url: string): Promise<void> {
  await deleteCachedModel(await store(), url);
}
