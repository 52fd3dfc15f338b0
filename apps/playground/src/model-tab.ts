import { modelDirectoryFiles } from './files.js';
import { formatBytes } from './format.js';
import type { ModelFiles, Reply, Request } from './protocol.js';
import { SHIPPED_MODEL } from './shipped.js';

/**
 * The Model tab and the load progress bar: a model by URL (through the worker's download cache), the shipped
 * model, a directory from this device (file picker, folder picker, drag and drop), and the cached models with
 * their sizes. The worker does the fetching and caching; this module only posts requests and draws replies.
 */
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The shipped model's absolute URL (the worker resolves nothing against the page). */
export const shippedUrl = new URL(SHIPPED_MODEL.path, location.href).href;

/** A short name for a model URL: the last path parts that are not Hugging Face's `resolve/main`. */
export function nameOfUrl(url: string): string {
  if (url === shippedUrl) return SHIPPED_MODEL.name;
  const parts = new URL(url).pathname.split('/').filter((p) => p && p !== 'resolve' && p !== 'main');
  return parts.slice(-2).join('/') || new URL(url).host;
}

export function setupModelTab(post: (req: Request) => void, notify: (message: string | null) => void) {
  const bar = $<HTMLDivElement>('load-bar');
  const progress = $<HTMLProgressElement>('load-progress');
  const barText = $('load-text');
  const status = $('load-status');

  const loadUrl = (url: string, preferCache: boolean) => {
    const name = nameOfUrl(url);
    status.textContent = `loading ${name}…`;
    showBar(`fetching ${name}…`, null);
    post({ type: 'loadUrl', name, url, preferCache });
  };

  function showBar(text: string, fraction: number | null): void {
    bar.hidden = false;
    barText.textContent = text;
    if (fraction === null) progress.removeAttribute('value');
    else progress.value = fraction;
  }

  $<HTMLFormElement>('url-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $<HTMLInputElement>('model-url');
    try {
      loadUrl(new URL(input.value.trim()).href, false);
    } catch {
      notify(`Not a URL: ${JSON.stringify(input.value)} (give the https:// address of a model folder)`);
    }
  });
  $<HTMLButtonElement>('shipped-load').addEventListener('click', () => loadUrl(shippedUrl, true));

  async function loadFiles(fileList: FileList | File[]): Promise<void> {
    const found = modelDirectoryFiles(fileList);
    if (!found) {
      notify('config.json is missing: choose all the files of a model directory (or its folder)');
      return;
    }
    const files: ModelFiles = Object.fromEntries(found.files);
    const name = found.folder.split('/').pop() || 'model';
    status.textContent = `loading ${name}…`;
    showBar(`loading ${name}…`, null);
    post({ type: 'load', name, files });
  }

  const dropZone = $<HTMLLabelElement>('drop-zone');
  for (const id of ['model-files', 'model-folder']) {
    $<HTMLInputElement>(id).addEventListener('change', (e) => {
      const input = e.target as HTMLInputElement;
      if (input.files?.length) void loadFiles(input.files);
    });
  }
  dropZone.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropZone.classList.add('over');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropZone.classList.remove('over');
    const entries = [...(e.dataTransfer?.items ?? [])]
      .map((item) => item.webkitGetAsEntry())
      .filter((x) => x !== null);
    Promise.all(entries.map((entry) => droppedFiles(entry, '')))
      .then((lists) => loadFiles(lists.flat()))
      .catch((err: Error) => notify(`Could not read the dropped files: ${err.message}`));
  });

  function showCache(models: { url: string; bytes: number }[]): void {
    const list = $<HTMLUListElement>('cache-list');
    const total = models.reduce((n, m) => n + m.bytes, 0);
    $('cache-summary').textContent = models.length
      ? `${models.length} model${models.length === 1 ? '' : 's'}, ${formatBytes(total)} in this browser's private storage.`
      : '';
    list.replaceChildren(
      ...models.map(({ url, bytes }) => {
        const item = document.createElement('li');
        const load = document.createElement('button');
        load.textContent = `Load ${nameOfUrl(url)} (${formatBytes(bytes)})`;
        load.title = url;
        load.addEventListener('click', () => loadUrl(url, true));
        const remove = document.createElement('button');
        remove.textContent = 'Delete';
        remove.setAttribute('aria-label', `Delete ${nameOfUrl(url)}`);
        remove.addEventListener('click', () => post({ type: 'deleteCached', url }));
        item.append(load, ' ', remove);
        return item;
      }),
    );
    if (!models.length) list.textContent = 'No cached models.';
  }

  /** Draws the replies this tab is about; false for the others. */
  function onReply(msg: Reply): boolean {
    if (msg.type === 'download') {
      const where = msg.cached
        ? 'from the cache'
        : `${formatBytes(msg.loadedBytes)} of ${formatBytes(msg.totalBytes)}`;
      showBar(
        `${msg.name}: ${where} (${msg.loaded}/${msg.total} files done)`,
        msg.totalBytes ? msg.loadedBytes / msg.totalBytes : null,
      );
      return true;
    }
    if (msg.type === 'progress') {
      status.textContent = msg.text;
      if (!bar.hidden) barText.textContent = msg.text;
      return false; // the Train tab shows it too
    }
    if (msg.type === 'cache') {
      showCache(msg.models);
      return true;
    }
    if (msg.type === 'loaded' || msg.type === 'error') bar.hidden = true;
    if (msg.type === 'loaded') status.textContent = `${msg.name} is loaded: chat with it in the Chat tab.`;
    return false;
  }

  return { loadUrl, onReply, refreshCache: () => post({ type: 'listCache' }) };
}

/** The files under a dropped entry, with their folder path (a dropped folder's `files` list is empty). */
async function droppedFiles(entry: FileSystemEntry, parent: string): Promise<File[]> {
  const path = parent ? `${parent}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
    Object.defineProperty(file, 'webkitRelativePath', { value: path });
    return [file];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map((child) => droppedFiles(child, path)))).flat();
}
