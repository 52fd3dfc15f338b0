import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { Packr, unpackMultiple } from 'msgpackr';
import { ShardError } from './errors.js';
import { checkTrajectory } from './shard-record.js';
import type { Trajectory } from './types.js';

export type ShardFormat = 'jsonl' | 'msgpack';
/** `trajectories` shards hold verified records; `rejected` shards the ones that failed verification. */
export type ShardKind = 'trajectories' | 'rejected';

const packr = new Packr({ useRecords: false });
const SHARD_NAME = /^(trajectories|rejected)-(\d{5})\.(jsonl|msgpack)$/;

/** Writes a file atomically: temp file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function encode(records: Trajectory[], format: ShardFormat): string | Uint8Array {
  if (format === 'jsonl') return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  return Buffer.concat(records.map((r) => packr.pack(r)));
}

/** Reads every record of one shard (`.jsonl` or `.msgpack`). */
export function readShard(file: string): Trajectory[] {
  if (!existsSync(file)) throw new ShardError(file, 'no such file');
  const bytes = readFileSync(file);
  if (file.endsWith('.msgpack')) {
    let records: unknown[];
    try {
      records = unpackMultiple(bytes) as unknown[];
    } catch (err) {
      throw new ShardError(file, `not a msgpack shard: ${(err as Error).message}`);
    }
    return records.map((r, i) => checkTrajectory(r, file, `record ${i + 1}`));
  }
  return bytes
    .toString('utf8')
    .split('\n')
    .flatMap((line, i) => {
      if (line.trim() === '') return [];
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch (err) {
        throw new ShardError(file, `line ${i + 1}: ${(err as Error).message}`);
      }
      return [checkTrajectory(record, file, `line ${i + 1}`)];
    });
}

/** The shard files of a dataset directory, in order. */
export function listShards(dir: string, kind: ShardKind = 'trajectories'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => SHARD_NAME.exec(f)?.[1] === kind)
    .sort()
    .map((f) => join(dir, f));
}

/** Every trajectory of a dataset directory (or of one shard file). */
export function readTrajectories(path: string, kind: ShardKind = 'trajectories'): Trajectory[] {
  if (existsSync(path) && statSync(path).isFile()) return readShard(path);
  return listShards(path, kind).flatMap(readShard);
}

/**
 * Appends records to numbered shards. The open shard is rewritten atomically whenever `checkpoint`
 * is called, so a killed run loses at most the records since the last checkpoint; a full shard is
 * closed and the next number opened. Numbering continues after the shards already in the directory.
 */
export class ShardWriter {
  private open: Trajectory[] = [];
  private index: number;

  constructor(
    private readonly dir: string,
    private readonly kind: ShardKind,
    private readonly format: ShardFormat,
    private readonly shardSize: number,
  ) {
    mkdirSync(dir, { recursive: true });
    const last = listShards(dir, kind).at(-1);
    this.index = last ? Number(SHARD_NAME.exec(basename(last))?.[2]) + 1 : 0;
  }

  add(record: Trajectory): void {
    this.open.push(record);
    if (this.open.length >= this.shardSize) {
      this.checkpoint();
      this.open = [];
      this.index++;
    }
  }

  /** Writes the open shard (if it has records) to disk atomically. */
  checkpoint(): void {
    if (this.open.length === 0) return;
    const name = `${this.kind}-${String(this.index).padStart(5, '0')}.${this.format}`;
    writeFileAtomic(join(this.dir, name), encode(this.open, this.format));
  }
}
