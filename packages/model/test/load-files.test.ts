import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryStats } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import {
  byteSourceOf,
  CheckpointError,
  ConfigError,
  type LoadProgress,
  loadModel,
  loadModelFromFiles,
  saveModel,
} from '../src/index.js';
import { cpu, randomModel, tinyConfig } from './helpers.js';

/** Browser-style loading: the files of a model directory as Blobs / bytes, no file system. */
const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-model-files-'));

function filesOf(dir: string): Map<string, Blob> {
  return new Map(readdirSync(dir).map((name) => [name, new Blob([readFileSync(join(dir, name))])]));
}

async function paramsEqual(
  a: Awaited<ReturnType<typeof loadModel>>,
  b: Awaited<ReturnType<typeof loadModel>>,
): Promise<void> {
  expect([...b.params.keys()]).toEqual([...a.params.keys()]);
  for (const [name, t] of a.params) {
    expect(Array.from(await b.weight(name).data()), name).toEqual(Array.from(await t.data()));
  }
}

describe('loadModelFromFiles', () => {
  it('loads the same weights from Blobs as loadModel from the directory, with progress', async () => {
    const dir = tmp();
    const { model } = randomModel(tinyConfig(), cpu, 3);
    await saveModel(model, dir);
    const progress: LoadProgress[] = [];
    const fromFiles = await loadModelFromFiles(filesOf(dir), {
      backend: cpu,
      onProgress: (p) => progress.push(p),
    });
    await paramsEqual(await loadModel(dir, { backend: cpu }), fromFiles);
    expect(progress.at(-1)?.loaded).toBe(fromFiles.params.size);
    expect(progress.at(-1)?.loadedBytes).toBe(progress.at(-1)?.totalBytes);
  });

  it('reads shards through their index, from a plain record of Uint8Arrays', async () => {
    const dir = tmp();
    const { model } = randomModel(tinyConfig(), cpu, 4);
    await saveModel(model, dir, { maxShardBytes: 8_000 });
    expect(readdirSync(dir)).toContain('model.safetensors.index.json');
    const record = Object.fromEntries(
      readdirSync(dir).map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]),
    );
    await paramsEqual(model, await loadModelFromFiles(record, { backend: cpu }));
  });

  it('names the missing piece and frees nothing it did not upload', async () => {
    const dir = tmp();
    const { model } = randomModel(tinyConfig(), cpu, 5);
    await saveModel(model, dir);
    const files = filesOf(dir);
    files.delete('config.json');
    await expect(loadModelFromFiles(files, { backend: cpu })).rejects.toThrow(ConfigError);
    const noWeights = filesOf(dir);
    noWeights.delete('model.safetensors');
    await expect(loadModelFromFiles(noWeights, { backend: cpu, label: 'picked' })).rejects.toThrow(
      /picked: no model\.safetensors/,
    );
    // a truncated weights file fails validation before any upload; nothing stays allocated
    const before = memoryStats().liveTensors;
    const truncated = filesOf(dir);
    const blob = truncated.get('model.safetensors') as Blob;
    truncated.set('model.safetensors', blob.slice(0, blob.size - 100));
    await expect(loadModelFromFiles(truncated, { backend: cpu })).rejects.toThrow(CheckpointError);
    expect(memoryStats().liveTensors).toBe(before);
  });

  it('byteSourceOf reads ranges of a Blob and of bytes alike, short at the end', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    for (const source of [byteSourceOf(bytes), byteSourceOf(new Blob([bytes]))]) {
      expect(source.size).toBe(5);
      expect(Array.from(await source.read(1, 3))).toEqual([2, 3, 4]);
      expect(Array.from(await source.read(3, 10))).toEqual([4, 5]);
    }
  });
});
