import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type DownloadProgress,
  deleteCachedModel,
  fetchModelFiles,
  listCachedModels,
  loadModel,
  loadModelFromFiles,
  presetConfig,
  RemoteModelError,
  saveModel,
  YoutuModel,
} from '../src/index.js';
import { DirectoryModelStore } from '../src/node.js';
import { cpu } from './helpers.js';
import { ModelServer } from './http-server.js';

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `agentlm-remote-${what}-`));
const servers: ModelServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A nano checkpoint (tiny vocab) on disk, single-file or in shards, with a tokenizer file beside it. */
async function checkpoint(sharded: boolean): Promise<string> {
  const dir = tmp('ckpt');
  const model = YoutuModel.init(presetConfig('nano', { vocab_size: 64 }), { seed: 5, backend: cpu });
  await saveModel(model, dir, sharded ? { maxShardBytes: 1_500_000 } : {});
  writeFileSync(join(dir, 'tokenizer_config.json'), '{"bos_token": null}\n');
  model.dispose();
  return dir;
}

async function serve(dir: string): Promise<{ server: ModelServer; url: string }> {
  const server = new ModelServer(dir);
  servers.push(server);
  return { server, url: await server.start() };
}

async function logitsOf(model: YoutuModel): Promise<number[]> {
  const out = Array.from(await model.forward([[1, 5, 9, 3]]).logits.data());
  model.dispose();
  return out;
}

const shard = /model-\d+-of-\d+\.safetensors$/;

describe('loading a model by URL', () => {
  it('loads the same weights as from disk, sharded, with progress; a second load fetches no weight bytes', async () => {
    const dir = await checkpoint(true);
    const shards = readdirSync(dir).filter((n) => shard.test(n));
    expect(shards.length).toBeGreaterThan(1);
    const { server, url } = await serve(dir);
    const cacheDir = tmp('cache');
    const progress: DownloadProgress[] = [];
    const remote = await loadModel(url, {
      backend: cpu,
      cacheDir,
      onDownloadProgress: (p) => progress.push(p),
    });
    expect(await logitsOf(remote)).toEqual(await logitsOf(await loadModel(dir, { backend: cpu })));
    const last = progress.at(-1) as DownloadProgress;
    expect(last.loaded).toBe(last.total);
    expect(last.loadedBytes).toBe(last.totalBytes);
    const onDisk = readdirSync(dir).reduce((n, f) => n + readFileSync(join(dir, f)).byteLength, 0);
    expect(last.totalBytes).toBe(onDisk);
    expect(new Set(progress.map((p) => p.name))).toEqual(new Set(readdirSync(dir)));
    expect(server.bodyRequests(shard)).toHaveLength(shards.length);

    server.requests.length = 0;
    const again: DownloadProgress[] = [];
    await logitsOf(
      await loadModel(url, { backend: cpu, cacheDir, onDownloadProgress: (p) => again.push(p) }),
    );
    expect(server.bodyRequests(/safetensors$/)).toEqual([]);
    expect(server.requests.every((r) => r.method === 'HEAD')).toBe(true);
    expect(again.every((p) => p.cached)).toBe(true);
  });

  it('resumes a dropped connection mid-shard from the bytes already written', async () => {
    const dir = await checkpoint(true);
    const { server, url } = await serve(dir);
    const name = readdirSync(dir).filter((n) => shard.test(n))[0] as string;
    server.dropAfter.set(`/${name}`, 300_000);
    const model = await loadModel(url, { backend: cpu, cacheDir: tmp('cache') });
    expect(await logitsOf(model)).toEqual(await logitsOf(await loadModel(dir, { backend: cpu })));
    // the resume asks for what the partial file holds: at most the bytes sent (a stream that errors drops the
    // chunks it had queued but not yet handed over)
    const gets = server.bodyRequests(new RegExp(`${name}$`));
    expect(gets.map((r) => r.status)).toEqual([200, 206]);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(300_000);
  });

  it('resumes in a later run when the first gave up, and never takes the partial file for a complete one', async () => {
    const dir = await checkpoint(false);
    const { server, url } = await serve(dir);
    const cacheDir = tmp('cache');
    server.dropAfter.set('/model.safetensors', 1_000_000);
    const failed = await loadModel(url, { backend: cpu, cacheDir, retries: 0 }).catch((e) => e);
    expect(failed).toBeInstanceOf(RemoteModelError);
    expect(failed.code).toBe('NETWORK');
    const store = new DirectoryModelStore(cacheDir);
    const [cached] = await listCachedModels(store);
    expect(cached?.files).not.toContain('model.safetensors');
    const kept = cached?.partialBytes ?? 0;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(1_000_000);
    const model = await loadModel(url, { backend: cpu, cacheDir });
    expect(await logitsOf(model)).toEqual(await logitsOf(await loadModel(dir, { backend: cpu })));
    const gets = server.bodyRequests(/model\.safetensors$/);
    expect(gets.at(-1)?.range).toBe(`bytes=${kept}-`);
    expect((await listCachedModels(store))[0]?.files).toContain('model.safetensors');
  });

  it('re-downloads a file whose ETag changed, and a truncated or corrupted cache file', async () => {
    const dir = await checkpoint(false);
    const { server, url } = await serve(dir);
    const cacheDir = tmp('cache');
    await loadModel(url, { backend: cpu, cacheDir });
    server.etagVersion = 'v2';
    server.requests.length = 0;
    await loadModel(url, { backend: cpu, cacheDir });
    expect(server.bodyRequests(/model\.safetensors$/)).toHaveLength(1);

    const store = new DirectoryModelStore(cacheDir);
    const [entry] = await store.entries();
    const weights = store.pathOf(entry as string, 'model.safetensors');
    truncateSync(weights, 1000);
    server.requests.length = 0;
    const model = await loadModel(url, { backend: cpu, cacheDir });
    expect(server.bodyRequests(/model\.safetensors$/)).toHaveLength(1);
    expect(await logitsOf(model)).toEqual(await logitsOf(await loadModel(dir, { backend: cpu })));

    writeFileSync(weights, Buffer.concat([readFileSync(weights), Buffer.from('junk')]));
    server.requests.length = 0;
    await loadModel(url, { backend: cpu, cacheDir });
    expect(server.bodyRequests(/model\.safetensors$/)).toHaveLength(1);
  });

  it('works with a server without Range support (a resume downloads the whole file again)', async () => {
    const dir = await checkpoint(false);
    const { server, url } = await serve(dir);
    server.ranges = false;
    server.dropAfter.set('/model.safetensors', 500_000);
    const model = await loadModel(url, { backend: cpu, cacheDir: tmp('cache') });
    expect(await logitsOf(model)).toEqual(await logitsOf(await loadModel(dir, { backend: cpu })));
    expect(server.bodyRequests(/model\.safetensors$/).map((r) => r.status)).toEqual([200, 200]);
  });

  it('uses the verified cache when the server is gone, and says OFFLINE for what it lacks', async () => {
    const dir = await checkpoint(false);
    const { server, url } = await serve(dir);
    const cacheDir = tmp('cache');
    const before = await logitsOf(await loadModel(url, { backend: cpu, cacheDir }));
    server.requests.length = 0;
    expect(await logitsOf(await loadModel(url, { backend: cpu, cacheDir, offline: true }))).toEqual(before);
    expect(server.requests).toEqual([]);
    await server.close();
    expect(await logitsOf(await loadModel(url, { backend: cpu, cacheDir }))).toEqual(before);
    const err = await loadModel(url, { backend: cpu, cacheDir: tmp('empty') }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteModelError);
    expect(err).toMatchObject({ code: 'OFFLINE', file: 'config.json' });
  });

  it('fetchModelFiles gives files for loadModelFromFiles (and the tool manifest); models are listed with sizes and deleted', async () => {
    const dir = await checkpoint(false);
    const manifest = '{"format": "agentlm-tools/1", "tools": []}\n';
    writeFileSync(join(dir, 'tools.json'), manifest);
    const { url } = await serve(dir);
    const store = new DirectoryModelStore(tmp('cache'));
    const files = await fetchModelFiles(url, { cache: store });
    expect([...files.keys()].sort()).toEqual(readdirSync(dir).sort());
    expect(await files.get('tools.json')?.text()).toBe(manifest);
    const model = await loadModelFromFiles(files, { backend: cpu });
    expect(await logitsOf(model)).toEqual(await logitsOf(await loadModel(dir, { backend: cpu })));
    const [listed] = await listCachedModels(store);
    expect(listed?.url).toBe(url);
    expect(listed?.bytes).toBe(
      readdirSync(dir).reduce((n, f) => n + readFileSync(join(dir, f)).byteLength, 0),
    );
    expect(await deleteCachedModel(store, url)).toBe(true);
    expect(await listCachedModels(store)).toEqual([]);
    expect(await deleteCachedModel(store, url)).toBe(false);
  });
});

describe('interrupting and changing a model by URL', () => {
  it('an abort stops the download with the signal reason; the next fetch resumes the partial file', async () => {
    const dir = await checkpoint(false);
    const { server, url } = await serve(dir);
    const cache = new DirectoryModelStore(tmp('cache'));
    const stop = new AbortController();
    const reason = new Error('user stopped');
    const err = await fetchModelFiles(url, {
      cache,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.name === 'model.safetensors' && p.fileBytes > 0) stop.abort(reason);
      },
    }).catch((e) => e);
    expect(err).toBe(reason);
    const [partly] = await listCachedModels(cache);
    expect(partly?.files).not.toContain('model.safetensors');
    const kept = partly?.partialBytes ?? 0;
    expect(kept).toBeGreaterThan(0);
    await fetchModelFiles(url, { cache });
    expect(server.bodyRequests(/model\.safetensors$/).at(-1)?.range).toBe(`bytes=${kept}-`);
  });

  it('a folder re-saved in shards drops the stale single file from the cache', async () => {
    const dir = await checkpoint(false);
    const { url } = await serve(dir);
    const cacheDir = tmp('cache');
    await loadModel(url, { backend: cpu, cacheDir });
    const store = new DirectoryModelStore(cacheDir);
    const [entry] = await store.entries();
    const model = await loadModel(dir, { backend: cpu });
    await saveModel(model, dir, { maxShardBytes: 1_500_000 });
    rmSync(join(dir, 'model.safetensors'), { force: true });
    const sharded = await loadModel(url, { backend: cpu, cacheDir });
    expect(await logitsOf(sharded)).toEqual(await logitsOf(model));
    expect(await store.size(entry as string, 'model.safetensors')).toBeNull();
    expect((await listCachedModels(store))[0]?.files).toContain('model.safetensors.index.json');
  });
});

describe('typed errors of a load by URL', () => {
  it('a URL that is not http(s): URL', async () => {
    const err = await fetchModelFiles('http://', { cache: new DirectoryModelStore(tmp('cache')) }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ name: 'RemoteModelError', code: 'URL' });
  });

  const cacheDir = () => tmp('cache');

  it('a folder without config.json: NOT_FOUND naming the config URL', async () => {
    const { url } = await serve(tmp('empty'));
    const err = await loadModel(`${url}nothing/`, { backend: cpu, cacheDir: cacheDir() }).catch((e) => e);
    expect(err).toBeInstanceOf(RemoteModelError);
    expect(err).toMatchObject({ code: 'NOT_FOUND', status: 404, file: 'config.json' });
    expect(err.message).toContain(`${url}nothing/config.json`);
  });

  it('config.json but no weights: NOT_HF_LAYOUT', async () => {
    const dir = await checkpoint(false);
    rmSync(join(dir, 'model.safetensors'));
    const { url } = await serve(dir);
    const err = await loadModel(url, { backend: cpu, cacheDir: cacheDir() }).catch((e) => e);
    expect(err).toMatchObject({ name: 'RemoteModelError', code: 'NOT_HF_LAYOUT' });
  });

  it('a shard the index names is missing: MISSING_SHARD naming it', async () => {
    const dir = await checkpoint(true);
    const missing = readdirSync(dir).filter((n) => shard.test(n))[1] as string;
    rmSync(join(dir, missing));
    const { url } = await serve(dir);
    const err = await loadModel(url, { backend: cpu, cacheDir: cacheDir() }).catch((e) => e);
    expect(err).toMatchObject({ code: 'MISSING_SHARD', file: missing, url: `${url}${missing}` });
  });

  it('an index that is not JSON: INDEX', async () => {
    const dir = await checkpoint(true);
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"weight_map": ');
    const { url } = await serve(dir);
    const err = await loadModel(url, { backend: cpu, cacheDir: cacheDir() }).catch((e) => e);
    expect(err).toMatchObject({ code: 'INDEX' });
  });
});
