/**
 * Where downloaded model files are kept: one interface, two stores (a folder on disk in Node, the origin private
 * file system in a browser). A store knows nothing of HTTP; `fetchModelFiles` decides what is complete.
 */
export interface ModelStore {
  /** Where the store is, for messages ("/home/me/.cache/agentlm", "OPFS agentlm-models"). */
  readonly location: string;
  /** The entries (one per model URL) the store holds. */
  entries(): Promise<string[]>;
  /** A file of an entry, or null when it is absent. */
  file(entry: string, name: string): Promise<Blob | null>;
  /** Byte size of a file of an entry, or null when it is absent. */
  size(entry: string, name: string): Promise<number | null>;
  /** Replaces a (small) file of an entry in one step: readers see the old bytes or the new, never a mix. */
  writeFile(entry: string, name: string, bytes: Uint8Array): Promise<void>;
  /**
   * Opens a file of an entry for writing from `offset` (created when absent; anything past `offset` dropped).
   * Bytes written are durable once `close` resolves.
   */
  openWriter(entry: string, name: string, offset: number): Promise<StoreWriter>;
  /** Renames a file of an entry in one step, replacing `to`. */
  rename(entry: string, from: string, to: string): Promise<void>;
  /** Deletes a file of an entry, or the whole entry when `name` is absent; absent things are no error. */
  remove(entry: string, name?: string): Promise<void>;
}

export interface StoreWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Makes what was written durable and releases the file. */
  close(): Promise<void>;
}

/** What the store records of one downloaded file (at download time; checked on every reuse). */
export interface CachedFile {
  size: number;
  etag: string | null;
  lastModified: string | null;
  /** False while the file is still `<name>.partial`. */
  complete: boolean;
}

/** The record kept in each entry: the URL it mirrors and its files. */
export interface CacheManifest {
  url: string;
  files: Record<string, CachedFile>;
}

export const MANIFEST = 'agentlm-cache.json';
export const PARTIAL = '.partial';

/** A model cached in a store, as `listCachedModels` reports it. */
export interface CachedModel {
  url: string;
  /** The store entry (folder name) holding it. */
  entry: string;
  /** Bytes of its complete files. */
  bytes: number;
  /** Its complete files. */
  files: string[];
  /** Bytes of partly downloaded files (resumed by the next fetch). */
  partialBytes: number;
}

/** FNV-1a over the UTF-16 units of `text` from `seed`, as 8 hex digits. */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** The entry name of a model URL: readable (host and path) and unique (64 bits of hash). */
export function entryName(url: string): string {
  const u = new URL(url);
  const slug = `${u.host}${u.pathname}`
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 80);
  return `${slug}-${fnv1a(url, 0x811c9dc5)}${fnv1a(url, 0x1b873593)}`;
}

/** The manifest of an entry, or null when it has none or it mirrors another URL (a hash collision). */
export async function readManifest(
  store: ModelStore,
  entry: string,
  url?: string,
): Promise<CacheManifest | null> {
  const blob = await store.file(entry, MANIFEST);
  if (blob === null) return null;
  try {
    const m = JSON.parse(await blob.text()) as CacheManifest;
    if (typeof m.url !== 'string' || typeof m.files !== 'object' || m.files === null) return null;
    return url === undefined || m.url === url ? m : null;
  } catch {
    return null; // a manifest that does not parse is treated as no cache: everything is fetched again
  }
}

export async function writeManifest(store: ModelStore, entry: string, m: CacheManifest): Promise<void> {
  await store.writeFile(entry, MANIFEST, new TextEncoder().encode(`${JSON.stringify(m, null, 1)}\n`));
}

/** The models a store holds, with their sizes. */
export async function listCachedModels(store: ModelStore): Promise<CachedModel[]> {
  const models: CachedModel[] = [];
  for (const entry of await store.entries()) {
    const m = await readManifest(store, entry);
    if (m === null) continue;
    const files: string[] = [];
    let bytes = 0;
    let partialBytes = 0;
    for (const [name, f] of Object.entries(m.files)) {
      if (f.complete) {
        files.push(name);
        bytes += f.size;
      } else partialBytes += (await store.size(entry, name + PARTIAL)) ?? 0;
    }
    models.push({ url: m.url, entry, bytes, files, partialBytes });
  }
  return models.sort((a, b) => a.url.localeCompare(b.url));
}

/** Deletes a cached model (by its URL, as given to `fetchModelFiles`, or its entry name); false when absent. */
export async function deleteCachedModel(store: ModelStore, urlOrEntry: string): Promise<boolean> {
  for (const model of await listCachedModels(store)) {
    if (model.url === urlOrEntry || model.url === modelBaseUrl(urlOrEntry) || model.entry === urlOrEntry) {
      await store.remove(model.entry);
      return true;
    }
  }
  return false;
}

/**
 * The base URL files are resolved against: a trailing slash added, and a bare Hugging Face repository page
 * (`https://huggingface.co/org/name`) turned into its `resolve/main/` file root.
 */
export function modelBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const parts = u.pathname.split('/').filter((p) => p !== '');
  if (u.hostname === 'huggingface.co' && parts.length === 2) u.pathname = `/${parts.join('/')}/resolve/main/`;
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.search = '';
  u.hash = '';
  return u.href;
}

/** True for an http(s) URL (what `loadModel` / `loadEngine` / `--model` download rather than open). */
export function isModelUrl(pathOrUrl: string): boolean {
  return /^https?:\/\//i.test(pathOrUrl);
}
