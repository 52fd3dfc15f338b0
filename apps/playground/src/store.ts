import type { ModelFiles } from './protocol.js';

/**
 * The model cache: model directories the user loaded are kept in the Origin Private File System, one folder per
 * model, so a reload does not ask for the files again. Sizes are shown and each model can be deleted.
 */
async function modelsRoot(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle('models', { create: true });
}

export interface CachedModel {
  name: string;
  bytes: number;
}

export async function listCached(): Promise<CachedModel[]> {
  const out: CachedModel[] = [];
  const root = await modelsRoot();
  for await (const [name, handle] of root as unknown as AsyncIterable<[string, FileSystemHandle]>) {
    if (handle.kind !== 'directory') continue;
    let bytes = 0;
    for await (const [, file] of handle as unknown as AsyncIterable<[string, FileSystemHandle]>) {
      if (file.kind === 'file') bytes += (await (file as FileSystemFileHandle).getFile()).size;
    }
    out.push({ name, bytes });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export async function saveCached(name: string, files: ModelFiles): Promise<void> {
  const dir = await (await modelsRoot()).getDirectoryHandle(name, { create: true });
  for (const [file, data] of Object.entries(files)) {
    const writable = await (await dir.getFileHandle(file, { create: true })).createWritable();
    await writable.write(data);
    await writable.close();
  }
}

export async function readCached(name: string): Promise<ModelFiles> {
  const dir = await (await modelsRoot()).getDirectoryHandle(name);
  const files: ModelFiles = {};
  for await (const [file, handle] of dir as unknown as AsyncIterable<[string, FileSystemHandle]>) {
    if (handle.kind === 'file') files[file] = await (handle as FileSystemFileHandle).getFile();
  }
  return files;
}

export async function deleteCached(name: string): Promise<void> {
  await (await modelsRoot()).removeEntry(name, { recursive: true });
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
