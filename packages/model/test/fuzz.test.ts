import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectTypedFailures, jsonCases, mutateBytes, seeded } from '../../../tools/dev/fuzz.js';
import { configToJSON, presetConfig, readConfig } from '../src/config.js';
import { ModelError } from '../src/errors.js';
import { byteSourceOf, Checkpoint, INDEX_FILE, writeCheckpoint } from '../src/safetensors.js';

/**
 * Mutated config.json, safetensors headers and index files: each either loads (every tensor then reads
 * and decodes) or fails with a ModelError naming the file. Seeded and bounded, so every run tries the
 * same cases.
 */
describe('model files under fuzzing', { timeout: 120_000 }, () => {
  it('config.json: 400 mutations of a preset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-config-'));
    const valid = configToJSON(presetConfig('nano'));
    const outcome = await expectTypedFailures(
      jsonCases(valid, 7, 400),
      async ({ text }) => {
        writeFileSync(join(dir, 'config.json'), text);
        await readConfig(dir);
      },
      ModelError,
      'config.json',
    );
    expect(outcome.rejected).toBeGreaterThan(100);
    expect(outcome.accepted).toBeGreaterThan(20);
  });

  /** A sharded checkpoint (two shards and an index) of small tensors of every dtype, as bytes. */
  async function checkpointFiles(): Promise<Map<string, Uint8Array>> {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-ckpt-'));
    const rand = seeded(3);
    const tensor = (
      name: string,
      dtype: 'F32' | 'F16' | 'BF16' | 'I32',
      shape: number[],
      bytesPer: number,
    ) => ({
      name,
      dtype,
      shape,
      bytes: () =>
        Uint8Array.from({ length: shape.reduce((a, b) => a * b, 1) * bytesPer }, () =>
          Math.floor(rand() * 256),
        ),
    });
    const names = await writeCheckpoint(
      dir,
      [
        tensor('embed.weight', 'F32', [4, 3], 4),
        tensor('norm.weight', 'BF16', [3], 2),
        tensor('proj.weight', 'F16', [2, 3], 2),
        tensor('ids', 'I32', [5], 4),
      ],
      { maxShardBytes: 60 },
    );
    expect(names).toContain(INDEX_FILE);
    return new Map(names.map((n) => [n, readFileSync(join(dir, n))]));
  }

  async function openAndReadAll(files: Map<string, Uint8Array>): Promise<void> {
    const sources = new Map([...files].map(([name, bytes]) => [name, byteSourceOf(bytes)]));
    const ckpt = await Checkpoint.fromFiles(sources, 'fuzz');
    try {
      for (const name of ckpt.entries.keys()) await ckpt.read(name);
    } finally {
      await ckpt.close();
    }
  }

  it('safetensors shards: 500 byte-level mutations, mostly of the header', async () => {
    const files = await checkpointFiles();
    const shard = [...files.keys()].find((n) => n.endsWith('.safetensors')) as string;
    const valid = files.get(shard) as Uint8Array;
    const headerEnd = 8 + Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
    const rand = seeded(11);
    const cases = Array.from({ length: 500 }, (_, i) => {
      // mutate the header (length prefix and JSON) four times in five, else anywhere
      const region = rand() < 0.8 ? headerEnd : valid.length;
      const bytes = Uint8Array.from([
        ...mutateBytes(valid.subarray(0, region), rand),
        ...valid.subarray(region),
      ]);
      return { bytes, what: `case ${i}` };
    });
    const outcome = await expectTypedFailures(
      cases,
      ({ bytes }) => openAndReadAll(new Map([...files, [shard, bytes]])),
      ModelError,
      shard,
    );
    expect(outcome.rejected).toBeGreaterThan(200);
    expect(outcome.accepted).toBeGreaterThan(5);
  });

  it('safetensors headers: 400 JSON-level mutations', async () => {
    const files = await checkpointFiles();
    const shard = [...files.keys()].find((n) => n.endsWith('.safetensors')) as string;
    const valid = files.get(shard) as Uint8Array;
    const n = Number(new DataView(valid.buffer, valid.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + n)));
    const data = valid.subarray(8 + n);
    const withHeader = (text: string) => {
      const json = new TextEncoder().encode(text);
      const prefix = new Uint8Array(8);
      new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
      return Uint8Array.from([...prefix, ...json, ...data]);
    };
    const outcome = await expectTypedFailures(
      jsonCases(header, 13, 400),
      ({ text }) => openAndReadAll(new Map([...files, [shard, withHeader(text)]])),
      ModelError,
      shard,
    );
    expect(outcome.rejected).toBeGreaterThan(150);
  });

  it('model.safetensors.index.json: 300 mutations', async () => {
    const files = await checkpointFiles();
    const index = JSON.parse(new TextDecoder().decode(files.get(INDEX_FILE)));
    const outcome = await expectTypedFailures(
      jsonCases(index, 17, 300),
      ({ text }) => openAndReadAll(new Map([...files, [INDEX_FILE, new TextEncoder().encode(text)]])),
      ModelError,
      INDEX_FILE,
    );
    expect(outcome.rejected).toBeGreaterThan(100);
  });

  it('regressions the fuzzer found: index shard names that are not files beside it, absurd sizes', async () => {
    const files = await checkpointFiles();
    const index = JSON.parse(new TextDecoder().decode(files.get(INDEX_FILE)));
    for (const shard of [-0.5, '../../etc/passwd.safetensors', 'sub/dir.safetensors', null]) {
      const bad = { ...index, weight_map: { ...index.weight_map, 'embed.weight': shard } };
      const withIndex = new Map([...files, [INDEX_FILE, new TextEncoder().encode(JSON.stringify(bad))]]);
      await expect(openAndReadAll(withIndex)).rejects.toThrow(
        /model.safetensors.index.json \[embed.weight\]: weight_map maps it to/,
      );
    }
    const missing = {
      ...index,
      weight_map: { ...index.weight_map, 'embed.weight': 'model-00009-of-00009.safetensors' },
    };
    await expect(
      openAndReadAll(new Map([...files, [INDEX_FILE, new TextEncoder().encode(JSON.stringify(missing))]])),
    ).rejects.toThrow(/index.json: weight_map names model-00009-of-00009.safetensors, which is missing/);
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-config-'));
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ ...configToJSON(presetConfig('nano')), vocab_size: 1e308 }),
    );
    await expect(readConfig(dir)).rejects.toThrow(/config.json: vocab_size must be at most 2147483647/);
  });
});
