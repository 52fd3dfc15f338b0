import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

let counter = 0;

/** A unique temporary name in `dir` (same filesystem, so a rename is atomic). */
export function tempName(dir: string, base: string): string {
  counter += 1;
  return join(dir, `.${base}.tmp-${process.pid}-${Date.now()}-${counter}`);
}

/** fsyncs a directory so a rename inside it survives a crash (a no-op where the OS refuses). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot open directories for fsync; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `bytes` to `file` (created or truncated) and fsyncs it before returning. */
export function writeSynced(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `file` atomically: temp file in the same folder, fsync, rename, fsync the folder. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = tempName(dir, file.split(/[\\/]/).pop() ?? 'file');
  try {
    writeSynced(tmp, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}
