import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, tempName, writeFileAtomic, writeSynced } from './atomic.js';
import { CheckpointIntegrityError } from './errors.js';

/** `manifest.json` of a checkpoint directory: every other file with its size and sha256. */
export interface CheckpointManifest {
  format: 'agentlm-checkpoint/1';
  step: number;
  createdAt: string;
  files: Record<string, { bytes: number; sha256: string }>;
}

export interface CheckpointInfo {
  step: number;
  path: string;
}

const STEP_DIR = /^step-(\d{8})$/;
export const MANIFEST = 'manifest.json';
const LATEST = 'latest';

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A folder of checkpoints `step-00000100/`, … with a `latest` pointer. A checkpoint is written into
 * a temporary folder (each file fsynced, `manifest.json` last) and renamed into place, so a crash
 * leaves either the old set or the new one, never a half-written checkpoint under a real name.
 * Only the newest `keepLast` are kept.
 */
export class CheckpointStore {
  readonly keepLast: number;

  constructor(
    readonly dir: string,
    opts: { keepLast?: number } = {},
  ) {
    this.keepLast = Math.max(1, opts.keepLast ?? 3);
  }

  /**
   * Writes a checkpoint for `step` and rotates old ones. `content` is either a map of file name to
   * bytes/text, or a function that writes its files into the (temporary) folder it is given.
   */
  async save(
    step: number,
    content: Record<string, Uint8Array | string> | ((dir: string) => Promise<void>),
  ): Promise<CheckpointInfo> {
    mkdirSync(this.dir, { recursive: true });
    const name = `step-${String(step).padStart(8, '0')}`;
    const tmp = tempName(this.dir, name);
    mkdirSync(tmp);
    try {
      if (typeof content === 'function') {
        await content(tmp);
      } else {
        for (const [file, data] of Object.entries(content)) {
          if (file === MANIFEST || file.includes('/') || file.includes('\\')) {
            throw new CheckpointIntegrityError(`${this.dir}: invalid checkpoint file name "${file}"`);
          }
          writeSynced(join(tmp, file), typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
        }
      }
      const manifest: CheckpointManifest = {
        format: 'agentlm-checkpoint/1',
        step,
        createdAt: new Date().toISOString(),
        files: {},
      };
      for (const file of readdirSync(tmp).sort()) {
        if (file === MANIFEST) continue;
        const bytes = readFileSync(join(tmp, file));
        manifest.files[file] = { bytes: bytes.length, sha256: sha256(bytes) };
      }
      writeSynced(join(tmp, MANIFEST), Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
      fsyncDir(tmp);
      const final = join(this.dir, name);
      rmSync(final, { recursive: true, force: true });
      renameSync(tmp, final);
      fsyncDir(this.dir);
      writeFileAtomic(join(this.dir, LATEST), `${name}\n`);
      this.rotate();
      return { step, path: final };
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Checkpoints present (complete or not), oldest first. */
  list(): CheckpointInfo[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .map((f) => STEP_DIR.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ step: Number(m[1]), path: join(this.dir, m[0]) }))
      .sort((a, b) => a.step - b.step);
  }

  /** The newest checkpoint that passes verification, or null; broken ones are reported to `onSkip`. */
  latestValid(onSkip?: (path: string, reason: string) => void): CheckpointInfo | null {
    for (const info of this.list().reverse()) {
      try {
        verifyCheckpoint(info.path);
        return info;
      } catch (err) {
        onSkip?.(info.path, (err as Error).message);
      }
    }
    return null;
  }

  private rotate(): void {
    const all = this.list();
    for (const old of all.slice(0, Math.max(0, all.length - this.keepLast)))
      rmSync(old.path, { recursive: true, force: true });
  }
}

/** Checks every file of a checkpoint against its manifest; throws CheckpointIntegrityError naming the file. */
export function verifyCheckpoint(path: string): CheckpointManifest {
  const manifestPath = join(path, MANIFEST);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as CheckpointManifest;
  } catch (err) {
    throw new CheckpointIntegrityError(
      `${manifestPath}: missing or unreadable manifest (${(err as Error).message})`,
    );
  }
  if (manifest.format !== 'agentlm-checkpoint/1' || typeof manifest.files !== 'object') {
    throw new CheckpointIntegrityError(
      `${manifestPath}: not an agentlm checkpoint manifest (format ${String(manifest.format)})`,
    );
  }
  for (const [file, want] of Object.entries(manifest.files)) {
    const full = join(path, file);
    let bytes: Buffer;
    try {
      bytes = readFileSync(full);
    } catch {
      throw new CheckpointIntegrityError(`${full}: listed in the manifest but missing`);
    }
    if (bytes.length !== want.bytes) {
      throw new CheckpointIntegrityError(`${full}: size ${bytes.length} bytes, manifest says ${want.bytes}`);
    }
    const got = sha256(bytes);
    if (got !== want.sha256)
      throw new CheckpointIntegrityError(
        `${full}: sha256 ${got} does not match the manifest (${want.sha256})`,
      );
  }
  return manifest;
}
