import { constants } from 'node:fs';
import { access, type FileHandle, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '@agentlm/tensor';
import { f32ToHalf, halfToF32 } from './dtype.js';
import { CheckpointError } from './errors.js';
import { numel } from './weights.js';

/**
 * Safetensors: an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {..}}`, then the raw little-endian data
 * (offsets relative to the end of the header). Reading goes through a random-access byte source (a file handle
 * in Node, a Blob/File in a browser) one tensor at a time, so a multi-GB checkpoint is never held whole in memory.
 */

export const SAFETENSORS_DTYPES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** Headers beyond this are refused before parsing (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** The file holding it. */
  file: string;
  /** Absolute offset of its first byte in `file`. */
  byteOffset: number;
  byteLength: number;
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Parses and validates a header; `dataLength` is the number of bytes after it in the file. */
function parseHeader(file: string, json: string, headerEnd: number, dataLength: number) {
  let header: unknown;
  try {
    header = JSON.parse(json);
  } catch (err) {
    throw new CheckpointError(`header is not valid JSON: ${(err as Error).message}`, file, null, 'HEADER');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new CheckpointError('header must be a JSON object', file, null, 'HEADER');
  }
  const entries = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const fail = (what: string, code = 'HEADER'): never => {
      throw new CheckpointError(what, file, name, code);
    };
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) fail('entry must be an object');
    if (typeof e.dtype !== 'string' || !(e.dtype in SAFETENSORS_DTYPES)) {
      fail(
        `unknown dtype ${JSON.stringify(e.dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`,
        'DTYPE',
      );
    }
    if (!Array.isArray(e.shape) || !e.shape.every(isNonNegativeInt))
      fail(`bad shape ${JSON.stringify(e.shape)}`);
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every(isNonNegativeInt) ||
      offsets[0] > offsets[1]
    ) {
      fail(`bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength)
      fail(
        `data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes; truncated file?)`,
        'RANGE',
      );
    const dtype = e.dtype as SafetensorsDType;
    const shape = e.shape as number[];
    const expected = numel(shape) * SAFETENSORS_DTYPES[dtype];
    if (end - begin !== expected)
      fail(`holds ${end - begin} bytes but ${dtype} ${JSON.stringify(shape)} needs ${expected}`, 'RANGE');
    entries.set(name, { name, dtype, shape, file, byteOffset: headerEnd + begin, byteLength: end - begin });
  }
  const sorted = [...entries.values()].sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].byteOffset < prev.byteOffset + prev.byteLength) {
      throw new CheckpointError(`data overlaps that of ${prev.name}`, file, sorted[i].name, 'RANGE');
    }
  }
  return { entries, metadata };
}

/**
 * Random access to the bytes of one file: a Node file handle (`fileByteSource`), or a Blob/File/Uint8Array
 * already in memory (`byteSourceOf`, what a browser gets from a file picker), so one reader serves both.
 */
export interface ByteSource {
  readonly size: number;
  /**
   * `length` bytes from `offset` (fewer only at the end of the file): in a fresh buffer, or in `into` (at least
   * `length` bytes) when given and the source can read into it, as a view of it. Loads pass one reused `into`
   * band after band, so that streaming a checkpoint frees no band-sized buffers (the C heap keeps freed bands
   * resident: a q4-on-load grew by twice its weights).
   */
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** A byte source over data in memory or a Blob/File (read lazily, slice by slice). */
export function byteSourceOf(data: Blob | Uint8Array | ArrayBuffer): ByteSource {
  if (data instanceof ArrayBuffer) return byteSourceOf(new Uint8Array(data));
  if (data instanceof Uint8Array) {
    return {
      size: data.byteLength,
      read: async (offset, length, into) => {
        const end = Math.min(offset + length, data.byteLength);
        if (into === undefined) return data.slice(offset, end);
        const view = into.subarray(0, Math.max(0, end - offset));
        view.set(data.subarray(offset, end));
        return view;
      },
    };
  }
  return {
    size: data.size,
    read: async (offset, length) => new Uint8Array(await data.slice(offset, offset + length).arrayBuffer()),
  };
}

/** A byte source over a file on disk (Node), read with positional reads. */
export async function fileByteSource(file: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new CheckpointError(`cannot open: ${(err as Error).message}`, file, null, 'MISSING_FILE');
  }
  try {
    const size = (await handle.stat()).size;
    return {
      size,
      read: async (offset, length, into) => {
        const want = Math.max(0, Math.min(length, size - offset));
        const bytes = into === undefined ? new Uint8Array(want) : into.subarray(0, want);
        const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, offset);
        return bytesRead === bytes.byteLength ? bytes : bytes.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** One open .safetensors file. */
export class SafetensorsFile {
  private constructor(
    readonly file: string,
    private readonly source: ByteSource,
    readonly entries: Map<string, TensorEntry>,
    readonly metadata: Record<string, string>,
  ) {}

  static async open(file: string): Promise<SafetensorsFile> {
    return SafetensorsFile.fromSource(file, await fileByteSource(file));
  }

  /** Reads the header from any byte source; `file` names it in errors. The source is closed on failure. */
  static async fromSource(file: string, source: ByteSource): Promise<SafetensorsFile> {
    try {
      const size = source.size;
      if (size < 8)
        throw new CheckpointError(
          `truncated: ${size} bytes, less than the 8-byte header length`,
          file,
          null,
          'TRUNCATED',
        );
      const lenBuf = await source.read(0, 8);
      const headerLength = new DataView(lenBuf.buffer, lenBuf.byteOffset, 8).getBigUint64(0, true);
      if (headerLength > BigInt(MAX_HEADER_BYTES)) {
        throw new CheckpointError(
          `header of ${headerLength} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit`,
          file,
          null,
          'HEADER_TOO_LARGE',
        );
      }
      const n = Number(headerLength);
      if (8 + n > size)
        throw new CheckpointError(
          `truncated: header of ${n} bytes but file has ${size}`,
          file,
          null,
          'TRUNCATED',
        );
      const json = new TextDecoder().decode(await source.read(8, n));
      const { entries, metadata } = parseHeader(file, json, 8 + n, size - 8 - n);
      return new SafetensorsFile(file, source, entries, metadata);
    } catch (err) {
      await source.close?.();
      throw err;
    }
  }

  /** `length` bytes of a tensor's data from byte `offset` of it (default: all of it), read into `into` if given. */
  async readBytes(name: string, offset = 0, length?: number, into?: Uint8Array): Promise<Uint8Array> {
    const e = this.entries.get(name);
    if (e === undefined) throw new CheckpointError('no such tensor', this.file, name, 'MISSING_TENSOR');
    const want = length ?? e.byteLength - offset;
    const bytes = await this.source.read(e.byteOffset + offset, want, into);
    if (bytes.byteLength !== want)
      throw new CheckpointError(
        `short read (${bytes.byteLength} of ${want} bytes from byte ${offset})`,
        this.file,
        name,
        'TRUNCATED',
      );
    return bytes;
  }

  async close(): Promise<void> {
    await this.source.close?.();
  }
}

/**
 * Decodes a tensor's bytes to f32 (F32, F16, BF16, F64) or i32 (I32). F32 and I32 are views of `bytes`; the
 * others are converted into `out` when given (at least as long), else into a new array.
 */
export function decodeTensor(
  bytes: Uint8Array,
  dtype: SafetensorsDType,
  where: { file: string; tensor: string },
  out?: Float32Array,
): Float32Array | Int32Array {
  const n = bytes.byteLength / SAFETENSORS_DTYPES[dtype];
  const into = out?.subarray(0, n) ?? new Float32Array(n);
  switch (dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case 'F64': {
      into.set(new Float64Array(bytes.buffer, bytes.byteOffset, n));
      return into;
    }
    case 'F16':
      return halfToF32(new Uint16Array(bytes.buffer, bytes.byteOffset, n), f16BitsToF32, into);
    case 'BF16':
      return halfToF32(new Uint16Array(bytes.buffer, bytes.byteOffset, n), bf16BitsToF32, into);
    case 'I32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, n);
    default:
      throw new CheckpointError(
        `dtype ${dtype} cannot be loaded as a model weight`,
        where.file,
        where.tensor,
        'DTYPE',
      );
  }
}

/** Encodes f32 values (or i32 for I32) into the bytes of a storage dtype. */
export function encodeTensor(
  values: Float32Array | Int32Array,
  dtype: 'F32' | 'F16' | 'BF16' | 'I32',
): Uint8Array {
  switch (dtype) {
    case 'F32':
      return new Uint8Array(Float32Array.from(values).buffer);
    case 'I32':
      return new Uint8Array(Int32Array.from(values).buffer);
    case 'F16':
      return new Uint8Array(f32ToHalf(values, f32ToF16Bits).buffer);
    case 'BF16':
      return new Uint8Array(f32ToHalf(values, f32ToBf16Bits).buffer);
  }
}

/** A shard name an index may give: a .safetensors file beside the index (no path may lead elsewhere). */
export function isShardFileName(name: unknown): name is string {
  return typeof name === 'string' && /^[^/\\]+\.safetensors$/.test(name) && !name.startsWith('..');
}

/** A whole checkpoint directory: `model.safetensors`, or shards listed in `model.safetensors.index.json`. */
export class Checkpoint {
  private constructor(
    readonly dir: string,
    private readonly files: SafetensorsFile[],
    readonly entries: Map<string, TensorEntry>,
  ) {}

  static async open(dir: string): Promise<Checkpoint> {
    return Checkpoint.openFrom(dir, {
      exists: (name) => exists(join(dir, name)),
      readText: (name) => readFile(join(dir, name), 'utf8'),
      open: (name) => SafetensorsFile.open(join(dir, name)),
      path: (name) => join(dir, name),
    });
  }

  /**
   * A checkpoint from files already at hand (a browser's file picker, OPFS, memory), keyed by file name
   * (`model.safetensors`, shards and `model.safetensors.index.json`); `label` names it in errors.
   */
  static async fromFiles(files: ReadonlyMap<string, ByteSource>, label = '(files)'): Promise<Checkpoint> {
    const source = (name: string): ByteSource => {
      const s = files.get(name);
      if (s === undefined) throw new CheckpointError('not among the files given', name, null, 'MISSING_FILE');
      return s;
    };
    return Checkpoint.openFrom(label, {
      exists: async (name) => files.has(name),
      readText: async (name) => {
        const s = source(name);
        return new TextDecoder().decode(await s.read(0, s.size));
      },
      open: (name) => SafetensorsFile.fromSource(name, source(name)),
      path: (name) => name,
    });
  }

  private static async openFrom(dir: string, files: CheckpointFiles): Promise<Checkpoint> {
    const indexFile = files.path(INDEX_FILE);
    let shardNames: string[];
    let weightMap: Record<string, string> | null = null;
    if (await files.exists(INDEX_FILE)) {
      let index: { weight_map?: Record<string, unknown> } | null;
      try {
        index = JSON.parse(await files.readText(INDEX_FILE));
      } catch (err) {
        throw new CheckpointError(`not valid JSON: ${(err as Error).message}`, indexFile, null, 'HEADER');
      }
      const map = index?.weight_map;
      if (typeof map !== 'object' || map === null || Array.isArray(map)) {
        throw new CheckpointError('has no weight_map object', indexFile, null, 'HEADER');
      }
      for (const [name, shard] of Object.entries(map)) {
        if (!isShardFileName(shard))
          throw new CheckpointError(
            `weight_map maps it to ${JSON.stringify(shard)}, not a .safetensors file name beside the index`,
            indexFile,
            name,
            'INDEX',
          );
      }
      weightMap = map as Record<string, string>;
      shardNames = [...new Set(Object.values(weightMap))].sort();
      for (const shard of shardNames)
        if (!(await files.exists(shard)))
          throw new CheckpointError(
            `weight_map names ${shard}, which is missing`,
            indexFile,
            null,
            'MISSING_FILE',
          );
    } else if (await files.exists(SINGLE_FILE)) {
      shardNames = [SINGLE_FILE];
    } else {
      throw new CheckpointError(`no ${SINGLE_FILE} or ${INDEX_FILE}`, dir, null, 'MISSING_FILE');
    }
    const opened: SafetensorsFile[] = [];
    try {
      const entries = new Map<string, TensorEntry>();
      for (const shard of shardNames) {
        const f = await files.open(shard);
        opened.push(f);
        for (const [name, e] of f.entries) {
          if (entries.has(name))
            throw new CheckpointError(
              `also stored in ${basename(entries.get(name)?.file ?? '')}`,
              f.file,
              name,
              'DUPLICATE',
            );
          if (weightMap !== null && weightMap[name] !== shard) {
            throw new CheckpointError(
              `maps it to ${JSON.stringify(weightMap[name] ?? null)}, but ${shard} holds it`,
              indexFile,
              name,
              'INDEX',
            );
          }
          entries.set(name, e);
        }
      }
      for (const [name, shard] of Object.entries(weightMap ?? {})) {
        if (!entries.has(name))
          throw new CheckpointError(
            'listed in the index but absent from the shard',
            files.path(shard),
            name,
            'MISSING_TENSOR',
          );
      }
      return new Checkpoint(dir, opened, entries);
    } catch (err) {
      await Promise.all(opened.map((f) => f.close()));
      throw err;
    }
  }

  /** One tensor's raw bytes and entry, read from its shard on demand. */
  async readRaw(name: string): Promise<{ entry: TensorEntry; bytes: Uint8Array }> {
    return { entry: this.entry(name), bytes: await this.readRange(name, 0) };
  }

  /**
   * `length` bytes of one tensor's data from byte `offset` of it (default: to its end), read into `into` when
   * given (see ByteSource.read): loads stream in bands.
   */
  async readRange(name: string, offset: number, length?: number, into?: Uint8Array): Promise<Uint8Array> {
    const entry = this.entry(name);
    const file = this.files.find((f) => f.file === entry.file) as SafetensorsFile;
    return file.readBytes(name, offset, length, into);
  }

  private entry(name: string): TensorEntry {
    const entry = this.entries.get(name);
    if (entry === undefined) throw new CheckpointError('no such tensor', this.dir, name, 'MISSING_TENSOR');
    return entry;
  }

  /** One tensor decoded to f32 (i32 for I32). */
  async read(name: string): Promise<Float32Array | Int32Array> {
    const { entry, bytes } = await this.readRaw(name);
    return decodeTensor(bytes, entry.dtype, { file: entry.file, tensor: name });
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

/** How Checkpoint reads a directory: from disk or from files at hand. */
interface CheckpointFiles {
  exists(name: string): Promise<boolean>;
  readText(name: string): Promise<string>;
  open(name: string): Promise<SafetensorsFile>;
  /** The name errors give the file. */
  path(name: string): string;
}

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** A tensor to write: its bytes are produced on demand, one tensor at a time, so the writer holds only one. */
export interface TensorToWrite {
  name: string;
  dtype: 'F32' | 'F16' | 'BF16' | 'I32' | 'I8' | 'U8';
  shape: readonly number[];
  bytes: () => Promise<Uint8Array> | Uint8Array;
}

/** Writes `data` to `path` atomically: a temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(
  path: string,
  write: (handle: FileHandle) => Promise<void>,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Date.now()}`);
  const handle = await open(tmp, 'w');
  try {
    await write(handle);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/** Writes one .safetensors file atomically, streaming tensors in the order given. */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorToWrite[],
  metadata: Record<string, string> = { format: 'pt' },
): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const length = numel(t.shape) * SAFETENSORS_DTYPES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.byteLength), 0);
  await writeFileAtomic(path, async (handle) => {
    await handle.write(prefix);
    await handle.write(headerBytes);
    for (const t of tensors) {
      const bytes = await t.bytes();
      const expected = numel(t.shape) * SAFETENSORS_DTYPES[t.dtype];
      if (bytes.byteLength !== expected) {
        throw new CheckpointError(
          `writer got ${bytes.byteLength} bytes, ${t.dtype} ${JSON.stringify(t.shape)} needs ${expected}`,
          path,
          t.name,
          'RANGE',
        );
      }
      await handle.write(bytes);
    }
  });
}

/**
 * Writes a checkpoint into `dir`: one `model.safetensors` when it fits in `maxShardBytes`, else
 * `model-0000i-of-0000n.safetensors` shards plus `model.safetensors.index.json` (written last). Returns the files.
 */
export async function writeCheckpoint(
  dir: string,
  tensors: readonly TensorToWrite[],
  opts: { maxShardBytes?: number } = {},
): Promise<string[]> {
  const maxShardBytes = opts.maxShardBytes ?? 4 * 2 ** 30;
  const shards: TensorToWrite[][] = [[]];
  let size = 0;
  let total = 0;
  for (const t of tensors) {
    const length = numel(t.shape) * SAFETENSORS_DTYPES[t.dtype];
    if (size > 0 && size + length > maxShardBytes) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1].push(t);
    size += length;
    total += length;
  }
  if (shards.length === 1) {
    await writeSafetensors(join(dir, SINGLE_FILE), shards[0]);
    await removeStaleWeights(dir, [SINGLE_FILE]);
    return [SINGLE_FILE];
  }
  const pad = (i: number) => String(i).padStart(5, '0');
  const names = shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < shards.length; i++) {
    await writeSafetensors(join(dir, names[i]), shards[i]);
    for (const t of shards[i]) weightMap[t.name] = names[i];
  }
  const index = `${JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2)}\n`;
  await writeFileAtomic(join(dir, INDEX_FILE), async (h) => {
    await h.write(index);
  });
  await removeStaleWeights(dir, [...names, INDEX_FILE]);
  return [...names, INDEX_FILE];
}

/** Deletes weight files of an earlier save that the new one does not use (an old index would shadow it). */
async function removeStaleWeights(dir: string, keep: string[]): Promise<void> {
  for (const name of await readdir(dir)) {
    const isWeights = name === INDEX_FILE || /^model(-\d{5}-of-\d{5})?\.safetensors$/.test(name);
    if (isWeights && !keep.includes(name)) await unlink(join(dir, name));
  }
}
