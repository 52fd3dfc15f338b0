import type { ModelStore, StoreWriter } from './store.js';

// The parts of the File System Access API the store uses (OPFS: navigator.storage.getDirectory()), typed here so
// that a stand-in (tests) or any conforming implementation can be passed.
export interface OpfsWritable {
  write(data: Uint8Array): Promise<void>;
  seek(position: number): Promise<void>;
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

export interface OpfsFileHandle {
  readonly kind: 'file';
  getFile(): Promise<Blob>;
  createWritable(options?: { keepExistingData?: boolean }): Promise<OpfsWritable>;
  /** Renames in place (Chromium, Safari, Firefox ≥ 111); copied and deleted where absent. */
  move?(newName: string): Promise<void>;
}

export interface OpfsDirectoryHandle {
  readonly kind: 'directory';
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<OpfsDirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<OpfsFileHandle>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  entries(): AsyncIterable<[string, OpfsDirectoryHandle | OpfsFileHandle]>;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

/**
 * A `ModelStore` in the browser's origin private file system: one directory per model under `root`. OPFS
 * writables commit on close (a tab closed mid-write keeps the last committed bytes), which is what makes the
 * partial files resumable and `writeFile` atomic.
 */
export class OpfsModelStore implements ModelStore {
  constructor(
    private readonly root: OpfsDirectoryHandle,
    readonly location = 'OPFS',
  ) {}

  /** The store in `navigator.storage.getDirectory()/<dir>` (default `agentlm-models`), created when absent. */
  static async open(dir = 'agentlm-models'): Promise<OpfsModelStore> {
    const storage = (globalThis as { navigator?: { storage?: { getDirectory?: () => Promise<unknown> } } })
      .navigator?.storage;
    if (storage?.getDirectory === undefined)
      throw new Error('OpfsModelStore: this environment has no navigator.storage.getDirectory (OPFS)');
    const top = (await storage.getDirectory()) as OpfsDirectoryHandle;
    return new OpfsModelStore(await top.getDirectoryHandle(dir, { create: true }), `OPFS ${dir}`);
  }

  private async dir(entry: string, create: boolean): Promise<OpfsDirectoryHandle | null> {
    try {
      return await this.root.getDirectoryHandle(entry, { create });
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  private async handle(entry: string, name: string): Promise<OpfsFileHandle | null> {
    const dir = await this.dir(entry, false);
    if (dir === null) return null;
    try {
      return await dir.getFileHandle(name);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async entries(): Promise<string[]> {
    const names: string[] = [];
    for await (const [name, h] of this.root.entries()) if (h.kind === 'directory') names.push(name);
    return names.sort();
  }

  async file(entry: string, name: string): Promise<Blob | null> {
    return (await (await this.handle(entry, name))?.getFile()) ?? null;
  }

  async size(entry: string, name: string): Promise<number | null> {
    return (await this.file(entry, name))?.size ?? null;
  }

  async writeFile(entry: string, name: string, bytes: Uint8Array): Promise<void> {
    const dir = (await this.dir(entry, true)) as OpfsDirectoryHandle;
    const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
    await w.write(bytes);
    await w.close();
  }

  async openWriter(entry: string, name: string, offset: number): Promise<StoreWriter> {
    const dir = (await this.dir(entry, true)) as OpfsDirectoryHandle;
    const w = await (await dir.getFileHandle(name, { create: true })).createWritable({
      keepExistingData: true,
    });
    await w.truncate(offset);
    await w.seek(offset);
    return { write: (chunk) => w.write(chunk), close: () => w.close() };
  }

  async rename(entry: string, from: string, to: string): Promise<void> {
    const dir = (await this.dir(entry, false)) as OpfsDirectoryHandle;
    const src = await dir.getFileHandle(from);
    if (src.move !== undefined) {
      await src.move(to);
      return;
    }
    const w = await (await dir.getFileHandle(to, { create: true })).createWritable();
    const reader = (await src.getFile()).stream().getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) await w.write(r.value);
    await w.close();
    await dir.removeEntry(from);
  }

  async remove(entry: string, name?: string): Promise<void> {
    try {
      if (name === undefined) await this.root.removeEntry(entry, { recursive: true });
      else await (await this.dir(entry, false))?.removeEntry(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
