import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { createCpuBackend } from '@agentlm/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelServer } from '../../../packages/model/test/http-server.js';
import { runCli, runCliAsync } from './run-cli.js';

const tmp = (what: string) => mkdtempSync(join(tmpdir(), `agentlm-cli-url-${what}-`));
let dir = '';
let server: ModelServer;
let url = '';

beforeAll(async () => {
  dir = tmp('model');
  const config = presetConfig('nano', { num_hidden_layers: 2, vocab_size: 64 });
  const model = YoutuModel.init(config, { seed: 4, backend: createCpuBackend(), requiresGrad: false });
  await saveModel(model, dir, { maxShardBytes: 400_000 });
  server = new ModelServer(dir);
  url = await server.start();
});

afterAll(() => server.close());

const generate = (model: string) => [
  'generate',
  '--model',
  model,
  '--prompt-ids',
  '1,2,3',
  '--print-ids',
  '--max-new-tokens',
  '5',
  '--temperature',
  '0',
  '--backend',
  'cpu',
];

describe('agentlm generate --model URL', () => {
  it('downloads with progress on stderr into $AGENTLM_CACHE and generates what the directory generates', async () => {
    const env = { AGENTLM_CACHE: tmp('cache') };
    const fromDisk = runCli(generate(dir));
    expect(fromDisk.code, fromDisk.stderr).toBe(0);
    const first = await runCliAsync(generate(url), { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(fromDisk.stdout);
    expect(first.stderr).toMatch(/download 1\/\d+ config\.json/);
    expect(first.stderr).toMatch(/download (\d+)\/\1 model-\d+-of-\d+\.safetensors/);

    const second = await runCliAsync(generate(url), { env });
    expect(second.stdout).toBe(fromDisk.stdout);
    expect(second.stderr).toMatch(/model-\d+-of-\d+\.safetensors .*\(cached\)/);
  });

  it('names the URL and status when the folder is not a model', async () => {
    const r = await runCliAsync(generate(`${url}missing/`), { env: { AGENTLM_CACHE: tmp('cache') } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`RemoteModelError [NOT_FOUND]: ${url}missing/config.json: not found (404)`);
  });
});
