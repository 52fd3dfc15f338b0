import { openAsBlob } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../safetensors.js';
import type { ModelStore, StoreWriter } from './store.js';

/** `$AGENTLM_CACHE`, else `$XDG_CACHE_HOME/agentlm`, else `~/.cache/agentlm`. */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env.AGENTLM_CACHE) return env.AGENTLM_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'agentlm');
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * A `ModelStore` in a folder on disk (Node): `<dir>/models/<entry>/` holds a model's files under their own names,
 * so a complete entry is an ordinary checkpoint directory. Writes are fsync'd before they count.
 */
export class DirectoryModelStore implements ModelStore {
  readonly location: string;

  constructor(readonly dir: string = defaultCacheDir()) {
    this.location = join(dir, 'models');
  }

  /** The folder holding an entry's files. */
  pathOf(entry: string, name?: string): string {
    return name === undefined ? join(this.location, entry) : join(this.location, entry, name);
  }

  async entries(): Promise<string[]> {
    try {
      const found = await readdir(this.location, { withFileTypes: true });
      return found
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
  }

  async file(entry: string, name: string): Promise<Blob | null> {
    // openAsBlob reports a missing file as an invalid argument, so absence is asked of stat
    return (await this.size(entry, name)) === null ? null : openAsBlob(this.pathOf(entry, name));
  }

  async size(entry: string, name: string): Promise<number | null> {
    try {
      const s = await stat(this.pathOf(entry, name));
      return s.isFile() ? s.size : null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async writeFile(entry: string, name: string, bytes: Uint8Array): Promise<void> {
    await mkdir(this.pathOf(entry), { recursive: true });
    await writeFileAtomic(this.pathOf(entry, name), async (h) => {
      await h.write(bytes);
    });
  }

  async openWriter(entry: string, name: string, offset: number): Promise<StoreWriter> {
    await mkdir(this.pathOf(entry), { recursive: true });
    const path = this.pathOf(entry, name);
    const h = await open(path, offset === 0 ? 'w' : 'r+');
    await h.truncate(offset);
    let position = offset;
    return {
      write: async (chunk) => {
        await h.write(chunk, 0, chunk.byteLength, position);
        position += chunk.byteLength;
      },
      close: async () => {
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      },
    };
  }

  async rename(entry: string, from: string, to: string): Promise<void> {
    await rename(this.pathOf(entry, from), this.pathOf(entry, to));
    // the rename itself is durable once the folder is synced
    const d = await open(this.pathOf(entry), 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  async remove(entry: string, name?: string): Promise<void> {
    await rm(this.pathOf(entry, name), { recursive: name === undefined, force: true });
  }
}
