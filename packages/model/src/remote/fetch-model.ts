import { RemoteModelError } from '../errors.js';
import { isShardFileName } from '../safetensors.js';
import { COMPANION_FILES, TOKENIZER_FILES } from '../tokenizer-names.js';
import { downloadFile, probeFile, type RemoteFile, type Transfer } from './http.js';
import {
  type CachedFile,
  type CacheManifest,
  entryName,
  isModelUrl,
  type ModelStore,
  modelBaseUrl,
  PARTIAL,
  readManifest,
  writeManifest,
} from './store.js';

/** Download progress, shaped like `LoadProgress`: files and bytes done of the whole model, and of this file. */
export interface DownloadProgress {
  /** Files complete so far (fetched or verified in the cache), of `total`. */
  loaded: number;
  total: number;
  /** The file this event is about. */
  name: string;
  /** Bytes of `name` present so far (resumed and cached bytes included), of `fileTotal` (null: not announced). */
  fileBytes: number;
  fileTotal: number | null;
  /** Bytes present so far over all files, of `totalBytes` (the sum of the announced sizes). */
  loadedBytes: number;
  totalBytes: number;
  /** True when `name` came from the cache (verified, nothing downloaded). */
  cached: boolean;
}

export interface FetchModelOptions {
  /** Where files are kept and resumed from: an `OpfsModelStore` in a browser, a `DirectoryModelStore` in Node. */
  cache: ModelStore;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /**
   * Use the cache without asking the server. Default false: each file is revalidated with a HEAD request (size
   * and ETag), and the cache is used as it is only when the server cannot be reached.
   */
  offline?: boolean;
  /** How many times a dropped transfer is resumed before giving up (default 3). */
  retries?: number;
  /** The fetch to use (default the global one). */
  fetch?: typeof fetch;
  /** Headers sent with every request (e.g. `authorization: Bearer <token>` for a gated repository). */
  headers?: Record<string, string>;
}

/** A cache entry is the version the server has when sizes agree and the validators (ETag, else Last-Modified) do. */
function sameVersion(cached: CachedFile, remote: RemoteFile): boolean {
  if (remote.size !== null && cached.size !== remote.size) return false;
  if (cached.etag !== null && remote.etag !== null) return cached.etag === remote.etag;
  if (cached.lastModified !== null && remote.lastModified !== null)
    return cached.lastModified === remote.lastModified;
  return remote.size !== null;
}

/** How a file is found: online a HEAD request, offline the cache's record (null: absent). */
type Lookup = (name: string) => Promise<RemoteFile | null>;

/**
 * The files of a Hugging Face model folder: config.json, the tokenizer files present, and model.safetensors or
 * model.safetensors.index.json with its shards. `readIndex` fetches the index (it is needed to list the shards).
 */
async function layout(
  base: string,
  lookup: Lookup,
  readIndex: (f: RemoteFile) => Promise<string>,
): Promise<RemoteFile[]> {
  const config = await lookup('config.json');
  if (config === null)
    throw new RemoteModelError(
      'not found (404): without a config.json this is no Hugging Face model folder',
      new URL('config.json', base).href,
      'config.json',
      404,
      'NOT_FOUND',
    );
  const files = [config];
  for (const name of [...TOKENIZER_FILES, ...COMPANION_FILES]) {
    const f = await lookup(name);
    if (f !== null) files.push(f);
  }
  const index = await lookup('model.safetensors.index.json');
  if (index === null) {
    const single = await lookup('model.safetensors');
    if (single === null)
      throw new RemoteModelError(
        'has neither model.safetensors nor model.safetensors.index.json: not a Hugging Face checkpoint layout',
        base,
        'model.safetensors',
        404,
        'NOT_HF_LAYOUT',
      );
    return [...files, single];
  }
  files.push(index);
  for (const shard of shardNames(await readIndex(index), index.url)) {
    const f = await lookup(shard);
    if (f === null)
      throw new RemoteModelError(
        `shard named by model.safetensors.index.json is missing`,
        new URL(shard, base).href,
        shard,
        404,
        'MISSING_SHARD',
      );
    files.push(f);
  }
  return files;
}

/** The shard file names of a safetensors index (its weight_map values), in order. */
function shardNames(text: string, url: string): string[] {
  let map: unknown;
  try {
    map = (JSON.parse(text) as { weight_map?: unknown }).weight_map;
  } catch (err) {
    throw new RemoteModelError(`is not valid JSON: ${(err as Error).message}`, url, 'index', null, 'INDEX');
  }
  if (typeof map !== 'object' || map === null)
    throw new RemoteModelError('has no weight_map object', url, 'index', null, 'INDEX');
  const names = [...new Set(Object.values(map as Record<string, unknown>))];
  const bad = names.find((n) => !isShardFileName(n));
  if (bad !== undefined)
    throw new RemoteModelError(
      `weight_map names an unusable file ${JSON.stringify(bad)}`,
      url,
      'index',
      null,
      'INDEX',
    );
  return (names as string[]).sort();
}

/** A network failure (no HTTP answer at all), as opposed to an HTTP status or a bad file. */
function isUnreachable(err: unknown): boolean {
  return err instanceof TypeError;
}

/**
 * Brings the files of the model at `url` into `opts.cache` (downloading, resuming or revalidating each) and
 * returns the store entry holding them and their names.
 */
export async function syncModel(
  url: string,
  opts: FetchModelOptions,
): Promise<{ entry: string; names: string[] }> {
  const base = modelBaseUrl(url);
  if (!URL.canParse(base) || !isModelUrl(base))
    throw new RemoteModelError('is not an http(s) URL', url, 'config.json', null, 'URL');
  const store = opts.cache;
  const entry = entryName(base);
  const manifest: CacheManifest = (await readManifest(store, entry, base)) ?? { url: base, files: {} };
  const t: Transfer = {
    store,
    entry,
    manifest,
    fetch: opts.fetch ?? globalThis.fetch.bind(globalThis),
    signal: opts.signal,
    retries: opts.retries ?? 3,
    headers: opts.headers ?? {},
  };
  const verified = async (name: string): Promise<boolean> => {
    const c = manifest.files[name];
    return c?.complete === true && (await store.size(entry, name)) === c.size;
  };
  const offlineLookup: Lookup = async (name) => {
    const c = manifest.files[name];
    return c !== undefined && (await verified(name))
      ? { name, url: new URL(name, base).href, size: c.size, etag: c.etag, lastModified: c.lastModified }
      : null;
  };
  const readCached = async (f: RemoteFile) => (await store.file(entry, f.name))?.text() ?? '';
  let files: RemoteFile[];
  let online = opts.offline !== true;
  const fetched = new Set<string>();
  /** Brings `f` into the cache; true when the cache already had it (verified), false when it was downloaded. */
  const ensure = async (f: RemoteFile, onBytes: (n: number) => void): Promise<boolean> => {
    if (fetched.has(f.name)) return false;
    const c = manifest.files[f.name];
    if (c !== undefined && (!online || sameVersion(c, f)) && (await verified(f.name))) return true;
    if (!online) throw offlineError(base, f.name, store);
    await downloadFile(t, f, onBytes);
    fetched.add(f.name);
    return false;
  };
  // the cache as it is: a file the layout needs and the cache lacks is an OFFLINE error naming it
  const cachedLayout = (cause?: unknown) =>
    layout(base, offlineLookup, readCached).catch((e) => {
      const lacking = e instanceof RemoteModelError && e.status === 404;
      throw lacking ? offlineError(base, e.file, store, cause) : e;
    });
  if (!online) files = await cachedLayout();
  else {
    try {
      files = await layout(
        base,
        (name) => probeFile(t, new URL(name, base).href, name),
        async (f) => {
          await ensure(f, () => {});
          return readCached(f);
        },
      );
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      online = false;
      files = await cachedLayout(err);
    }
  }
  const totalBytes = files.reduce((n, f) => n + (f.size ?? 0), 0);
  let loadedBytes = 0;
  let loaded = 0;
  for (const f of files) {
    const before = loadedBytes;
    const report = (fileBytes: number, cached: boolean) => {
      loadedBytes = before + fileBytes;
      opts.onProgress?.({
        loaded,
        total: files.length,
        name: f.name,
        fileBytes,
        fileTotal: f.size,
        loadedBytes,
        totalBytes,
        cached,
      });
    };
    const cached = await ensure(f, (n) => report(n, false));
    loaded++;
    report(manifest.files[f.name]?.size ?? f.size ?? 0, cached);
  }
  if (online) await prune(store, entry, manifest, files);
  return { entry, names: files.map((f) => f.name) };
}

/** Drops the files the folder no longer has (a model re-sharded upstream must not keep a stale index). */
async function prune(
  store: ModelStore,
  entry: string,
  manifest: CacheManifest,
  files: RemoteFile[],
): Promise<void> {
  const keep = new Set(files.map((f) => f.name));
  for (const name of Object.keys(manifest.files).filter((n) => !keep.has(n))) {
    delete manifest.files[name];
    await writeManifest(store, entry, manifest);
    await store.remove(entry, name);
    await store.remove(entry, name + PARTIAL);
  }
}

function offlineError(base: string, name: string, store: ModelStore, cause?: unknown): RemoteModelError {
  const err = new RemoteModelError(
    `${name} is not in the cache (${store.location}) and the server is not used (unreachable, or offline: true)`,
    base,
    name,
    null,
    'OFFLINE',
  );
  if (cause !== undefined) (err as { cause?: unknown }).cause = cause;
  return err;
}

/**
 * Downloads (or finds in `opts.cache`) the model folder at `url` and returns its files by name, ready for
 * `loadModelFromFiles` (config.json, weights, and the tokenizer files the folder has). Browser-safe: fetch and a
 * `ModelStore` only. Resumes partial files with Range requests, revalidates cached ones with HEAD, and uses the
 * cache when the server cannot be reached.
 */
export async function fetchModelFiles(url: string, opts: FetchModelOptions): Promise<Map<string, Blob>> {
  const { entry, names } = await syncModel(url, opts);
  const files = new Map<string, Blob>();
  for (const name of names) {
    const blob = await opts.cache.file(entry, name);
    if (blob === null) throw offlineError(modelBaseUrl(url), name, opts.cache);
    files.set(name, blob);
  }
  return files;
}
