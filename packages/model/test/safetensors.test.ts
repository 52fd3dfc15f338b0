import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  byteSourceOf,
  Checkpoint,
  CheckpointError,
  encodeTensor,
  SafetensorsFile,
  writeCheckpoint,
  writeSafetensors,
} from '../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-st-'));

/** A hand-built safetensors file: header JSON as given (a string is written verbatim), then `dataBytes` zero bytes. */
function rawFile(dir: string, header: unknown, dataBytes: number, headerLength?: bigint): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(headerLength ?? BigInt(json.byteLength));
  const path = join(dir, 'model.safetensors');
  writeFileSync(path, Buffer.concat([prefix, json, Buffer.alloc(dataBytes)]));
  return path;
}

describe('safetensors', () => {
  const values = Float32Array.from([1, -2.5, 0.1, 65504, 1e-8, -0, 2.75, 100]);

  it('writes and reads F32, F16, BF16 and I32, 8-byte aligned data', async () => {
    const dir = tmp();
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, [
      { name: 'a', dtype: 'F32', shape: [2, 4], bytes: () => encodeTensor(values, 'F32') },
      { name: 'b', dtype: 'F16', shape: [8], bytes: () => encodeTensor(values, 'F16') },
      { name: 'c', dtype: 'BF16', shape: [4, 2], bytes: () => encodeTensor(values, 'BF16') },
      {
        name: 'd',
        dtype: 'I32',
        shape: [3],
        bytes: () => encodeTensor(Int32Array.from([7, -1, 2 ** 30]), 'I32'),
      },
    ]);
    const ckpt = await Checkpoint.open(dir);
    expect([...ckpt.entries.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect((ckpt.entries.get('a')?.byteOffset ?? 1) % 8).toBe(0);
    expect(await ckpt.read('a')).toEqual(values);
    const f16 = await ckpt.read('b');
    expect(Array.from(f16.slice(0, 4))).toEqual([1, -2.5, 0.0999755859375, 65504]);
    expect(f16[4]).toBe(0); // 1e-8 underflows f16 (smallest subnormal 6e-8)
    const bf16 = await ckpt.read('c');
    expect(Array.from(bf16.slice(0, 3))).toEqual([1, -2.5, 0.10009765625]);
    expect(bf16[3]).toBe(65536); // 65504 rounds to nearest even in bf16
    expect(Array.from(await ckpt.read('d'))).toEqual([7, -1, 2 ** 30]);
    await ckpt.close();
    expect(readdirSync(dir)).toEqual(['model.safetensors']); // no temp files left
  });

  it('reads a range into a given buffer, from a file and from bytes in memory', async () => {
    const dir = tmp();
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, [
      { name: 'a', dtype: 'F32', shape: [8], bytes: () => encodeTensor(values, 'F32') },
    ]);
    const fromMemory = await Checkpoint.fromFiles(
      new Map([['model.safetensors', byteSourceOf(readFileSync(path))]]),
    );
    for (const ckpt of [await Checkpoint.open(dir), fromMemory]) {
      const into = new Uint8Array(64).fill(0xff);
      const bytes = await ckpt.readRange('a', 8, 12, into);
      expect(bytes.buffer).toBe(into.buffer); // a view of `into`, not a fresh buffer
      expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 3))).toEqual(
        Array.from(values.slice(2, 5)),
      );
      expect(into[12]).toBe(0xff); // nothing past the range is touched
      await ckpt.close();
    }
  });

  it('shards with an index and reads them back by name', async () => {
    const dir = tmp();
    const tensors = ['x', 'y', 'z'].map((name, i) => ({
      name,
      dtype: 'F32' as const,
      shape: [4],
      bytes: () => encodeTensor(Float32Array.from([i, i, i, i]), 'F32'),
    }));
    const files = await writeCheckpoint(dir, tensors, { maxShardBytes: 20 });
    expect(files).toEqual([
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
      'model.safetensors.index.json',
    ]);
    const ckpt = await Checkpoint.open(dir);
    expect(Array.from(await ckpt.read('z'))).toEqual([2, 2, 2, 2]);
    expect(ckpt.entries.get('y')?.file).toBe(join(dir, 'model-00002-of-00003.safetensors'));
    await ckpt.close();
  });

  it('names an index entry missing from its shard', async () => {
    const dir = tmp();
    await writeCheckpoint(
      dir,
      [{ name: 'x', dtype: 'F32', shape: [1], bytes: () => encodeTensor(Float32Array.of(1), 'F32') }],
      { maxShardBytes: 4 },
    );
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { x: 'model.safetensors', w: 'model.safetensors' } }),
    );
    await expect(Checkpoint.open(dir)).rejects.toThrow(/\[w\]: listed in the index but absent/);
  });

  it.each([
    [
      'a truncated file',
      (d: string) => writeFileSync(join(d, 'model.safetensors'), Buffer.alloc(5)),
      'TRUNCATED',
      /truncated: 5 bytes/,
    ],
    [
      'a header longer than the file',
      (d: string) => rawFile(d, {}, 0, 1000n),
      'TRUNCATED',
      /header of 1000 bytes but file has/,
    ],
    [
      'an oversized header',
      (d: string) => rawFile(d, {}, 0, 200_000_000n),
      'HEADER_TOO_LARGE',
      /exceeds the 100000000-byte limit/,
    ],
    ['bad JSON', (d: string) => rawFile(d, '{"a":', 0), 'HEADER', /not valid JSON/],
    [
      'an unknown dtype',
      (d: string) => rawFile(d, { w: { dtype: 'F8_E4M3X', shape: [1], data_offsets: [0, 1] } }, 8),
      'DTYPE',
      /\[w\]: unknown dtype "F8_E4M3X"/,
    ],
    [
      'out-of-range offsets',
      (d: string) => rawFile(d, { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8),
      'RANGE',
      /\[w\]: data_offsets \[0, 16\] run past the end/,
    ],
    [
      'a size mismatch',
      (d: string) => rawFile(d, { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8),
      'RANGE',
      /\[w\]: holds 8 bytes but F32 \[3\] needs 12/,
    ],
    [
      'overlapping tensors',
      (d: string) =>
        rawFile(
          d,
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          16,
        ),
      'RANGE',
      /\[b\]: data overlaps that of a/,
    ],
  ])('rejects %s with a typed CheckpointError naming the file', async (_what, make, code, message) => {
    const dir = tmp();
    make(dir);
    const err = await SafetensorsFile.open(join(dir, 'model.safetensors')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(join(dir, 'model.safetensors'));
  });

  it('reports a directory without weights', async () => {
    await expect(Checkpoint.open(tmp())).rejects.toThrow(
      /no model.safetensors or model.safetensors.index.json/,
    );
  });
});
