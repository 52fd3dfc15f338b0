import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file atomically: the parts go to a temp file in the same folder, which is fsynced and then
 * renamed over the target, so a crash leaves either the old file or the new one, never half of one.
 */
export function writeFileAtomic(path: string, parts: (Uint8Array | string)[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const part of parts) {
      const bytes = typeof part === 'string' ? Buffer.from(part) : part;
      let done = 0;
      while (done < bytes.byteLength) done += writeSync(fd, bytes, done);
    }
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A file written piece by piece into a temp file and renamed into place by `commit()`. */
export class AtomicFileWriter {
  private readonly tmp: string;
  private readonly fd: number;
  bytesWritten = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, 'w');
  }

  write(part: Uint8Array | string): void {
    const bytes = typeof part === 'string' ? Buffer.from(part) : part;
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done);
    this.bytesWritten += bytes.byteLength;
  }

  commit(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }
}
