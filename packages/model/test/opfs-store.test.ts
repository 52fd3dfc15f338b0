import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  deleteCachedModel,
  fetchModelFiles,
  listCachedModels,
  loadModel,
  loadModelFromFiles,
  type OpfsDirectoryHandle,
  type OpfsFileHandle,
  OpfsModelStore,
  type OpfsWritable,
  presetConfig,
  saveModel,
  YoutuModel,
} from '../src/index.js';
import { cpu } from './helpers.js';
import { ModelServer } from './http-server.js';

const notFound = () => Object.assign(new Error('not found'), { name: 'NotFoundError' });

/**
 * An in-memory stand-in for OPFS handles, with its commit-on-close semantics: a writable works on a copy that
 * replaces the file only when closed.
 */
class MemoryFile implements OpfsFileHandle {
  readonly kind = 'file';
  data = new Uint8Array(0);
  constructor(
    private parent: MemoryDirectory,
    private name: string,
  ) {}
  async getFile(): Promise<Blob> {
    return new Blob([this.data]);
  }
  async createWritable(options: { keepExistingData?: boolean } = {}): Promise<OpfsWritable> {
    let swap = options.keepExistingData ? this.data.slice() : new Uint8Array(0);
    let at = 0;
    return {
      seek: async (p) => {
        at = p;
      },
      truncate: async (size) => {
        const next = new Uint8Array(size);
        next.set(swap.subarray(0, Math.min(size, swap.length)));
        swap = next;
        at = Math.min(at, size);
      },
      write: async (chunk) => {
        if (at + chunk.length > swap.length) {
          const next = new Uint8Array(at + chunk.length);
          next.set(swap);
          swap = next;
        }
        swap.set(chunk, at);
        at += chunk.length;
      },
      close: async () => {
        this.data = swap;
      },
    };
  }
  async move(newName: string): Promise<void> {
    this.parent.children.delete(this.name);
    this.parent.children.set(newName, this);
    this.name = newName;
  }
}

class MemoryDirectory implements OpfsDirectoryHandle {
  readonly kind = 'directory';
  readonly children = new Map<string, MemoryDirectory | MemoryFile>();
  async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryDirectory> {
    const found = this.children.get(name);
    if (found instanceof MemoryDirectory) return found;
    if (found !== undefined || !options.create) throw notFound();
    const dir = new MemoryDirectory();
    this.children.set(name, dir);
    return dir;
  }
  async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryFile> {
    const found = this.children.get(name);
    if (found instanceof MemoryFile) return found;
    if (found !== undefined || !options.create) throw notFound();
    const file = new MemoryFile(this, name);
    this.children.set(name, file);
    return file;
  }
  async removeEntry(name: string): Promise<void> {
    if (!this.children.delete(name)) throw notFound();
  }
  async *entries(): AsyncIterable<[string, MemoryDirectory | MemoryFile]> {
    yield* this.children.entries();
  }
}

const servers: ModelServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('OpfsModelStore (against an in-memory OPFS stand-in)', () => {
  it('fetches, resumes a dropped transfer, reuses, lists and deletes a model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentlm-opfs-'));
    const model = YoutuModel.init(presetConfig('nano', { vocab_size: 64 }), { seed: 2, backend: cpu });
    await saveModel(model, dir);
    model.dispose();
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": {"vocab": {}}}\n');
    const server = new ModelServer(dir);
    servers.push(server);
    const url = await server.start();
    server.dropAfter.set('/model.safetensors', 700_000);

    const root = new MemoryDirectory();
    const store = new OpfsModelStore(root);
    const files = await fetchModelFiles(url, { cache: store });
    expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    const gets = server.bodyRequests(/model\.safetensors$/);
    expect(gets.map((r) => r.status)).toEqual([200, 206]);
    expect(Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1])).toBeGreaterThan(0);
    const fromStore = await loadModelFromFiles(files, { backend: cpu });
    const fromDisk = await loadModel(dir, { backend: cpu });
    for (const [name, t] of fromDisk.params)
      expect(Array.from(await fromStore.weight(name).data()), name).toEqual(Array.from(await t.data()));

    server.requests.length = 0;
    await fetchModelFiles(url, { cache: store });
    expect(server.bodyRequests(/./)).toEqual([]);

    const [listed] = await listCachedModels(store);
    expect(listed?.files.sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(listed?.bytes).toBe([...files.values()].reduce((n, b) => n + b.size, 0));
    expect(listed?.partialBytes).toBe(0);
    expect(await deleteCachedModel(store, url)).toBe(true);
    expect(root.children.size).toBe(0);
  });
});
