import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointIntegrityError, CheckpointStore, verifyCheckpoint } from '../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-ckpt-'));

describe('CheckpointStore', () => {
  it('writes files with a sha256 manifest and a latest pointer, keeping the last K', async () => {
    const dir = tmp();
    const store = new CheckpointStore(dir, { keepLast: 2 });
    for (const step of [10, 20, 30])
      await store.save(step, { 'a.bin': new Uint8Array([step, 1, 2]), 'state.json': `{"step":${step}}` });
    expect(store.list().map((c) => c.step)).toEqual([20, 30]);
    expect(readFileSync(join(dir, 'latest'), 'utf8').trim()).toBe('step-00000030');
    const manifest = verifyCheckpoint(join(dir, 'step-00000030'));
    expect(manifest.step).toBe(30);
    expect(Object.keys(manifest.files).sort()).toEqual(['a.bin', 'state.json']);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('detects a corrupted file and falls back to the previous valid checkpoint', async () => {
    const dir = tmp();
    const store = new CheckpointStore(dir, { keepLast: 3 });
    await store.save(1, { 'w.bin': new Uint8Array([1, 2, 3]) });
    const second = await store.save(2, { 'w.bin': new Uint8Array([4, 5, 6]) });
    writeFileSync(join(second.path, 'w.bin'), new Uint8Array([4, 5, 7]));
    expect(() => verifyCheckpoint(second.path)).toThrow(CheckpointIntegrityError);
    expect(() => verifyCheckpoint(second.path)).toThrow(/w\.bin: sha256/);
    const skipped: string[] = [];
    expect(store.latestValid((p) => skipped.push(p))?.step).toBe(1);
    expect(skipped).toEqual([second.path]);
  });

  it('treats a checkpoint without a manifest (interrupted copy) as invalid', async () => {
    const dir = tmp();
    const store = new CheckpointStore(dir);
    const c = await store.save(5, { 'x.json': '{}' });
    writeFileSync(join(c.path, 'manifest.json'), '{trunc');
    expect(() => verifyCheckpoint(c.path)).toThrow(/manifest/);
    expect(store.latestValid()).toBeNull();
    expect(existsSync(c.path)).toBe(true);
  });

  it('refuses file names that would escape the checkpoint folder', async () => {
    await expect(new CheckpointStore(tmp()).save(1, { '../evil': 'x' })).rejects.toThrow(
      CheckpointIntegrityError,
    );
  });

  it('hashes whatever a writer function puts in the folder', async () => {
    const c = await new CheckpointStore(tmp()).save(7, async (dir) =>
      writeFileSync(join(dir, 'model.safetensors'), 'abc'),
    );
    expect(Object.keys(verifyCheckpoint(c.path).files)).toEqual(['model.safetensors']);
  });
});
