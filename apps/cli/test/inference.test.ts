import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { createCpuBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBin, runCli } from './run-cli.js';

const golden = fileURLToPath(new URL('../../../packages/model/test/fixtures/golden-tiny', import.meta.url));
let modelDir = '';

/** A nano-shaped random model saved with a small trained tokenizer (the agent chat template included). */
beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'agentlm-cli-inference-'));
  const tokenizer = await trainTokenizer({
    corpus: { texts: ['hello world, the answer is 42. ', 'Grüße 你好 🙂 '].flatMap((t) => Array(5).fill(t)) },
    vocabSize: 320,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
  await tokenizer.save(join(root, 'tok'));
  const config = presetConfig('nano', {
    num_hidden_layers: 2,
    vocab_size: tokenizer.vocabSize,
    bos_token_id: tokenizer.bosId,
    eos_token_id: tokenizer.eosId,
  });
  const model = YoutuModel.init(config, { seed: 2, backend: createCpuBackend(), requiresGrad: false });
  modelDir = join(root, 'model');
  await saveModel(model, modelDir, { tokenizerDir: join(root, 'tok') });
});

const cpu = ['--backend', 'cpu'];

describe('agentlm generate', () => {
  it('works on a model directory without tokenizer files via --prompt-ids/--print-ids, reproducibly', () => {
    const args = [
      'generate',
      '--model',
      golden,
      '--prompt-ids',
      '1,2,3',
      '--max-new-tokens',
      '6',
      '--seed',
      '7',
      ...cpu,
    ];
    const a = runCli([...args, '--print-ids']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.trim()).toMatch(/^\d+(,\d+){5}$/);
    expect(a.stderr).toMatch(/3 prompt \+ 6 generated tokens \(length\).*seed 7/);
    expect(runCli([...args, '--print-ids']).stdout).toBe(a.stdout);
  });

  it('streams text with a tokenizer; greedy decoding is reproducible', () => {
    const base = ['generate', '--model', modelDir, '--prompt', 'hello', '--max-new-tokens', '12', ...cpu];
    const greedy = runCli([...base, '--temperature', '0']);
    expect(greedy.code, greedy.stderr).toBe(0);
    expect(runCli([...base, '--temperature', '0']).stdout).toBe(greedy.stdout);
    const ids = runCli([...base, '--temperature', '0', '--print-ids']);
    expect(ids.stdout.trim()).toMatch(/^\d+(,\d+)*$/);
  });

  it('fails with one clear line on bad input', () => {
    const noTok = runCli(['generate', '--model', golden, '--prompt', 'hi', ...cpu]);
    expect(noTok.code).toBe(1);
    expect(noTok.stderr.trim()).toMatch(/^agentlm: ModelDirError \[MODEL_DIR\]: .*has no tokenizer\.json/);
    const badTemp = runCli([
      'generate',
      '--model',
      golden,
      '--prompt-ids',
      '1',
      '--temperature',
      'hot',
      ...cpu,
    ]);
    expect(badTemp.stderr.trim()).toBe(
      'agentlm: SamplingOptionError [SAMPLING_OPTION]: --temperature must be a number, got "hot"',
    );
    const both = runCli(['generate', '--model', golden, ...cpu]);
    expect(both.stderr).toMatch(/exactly one of --prompt TEXT or --prompt-ids/);
    const badIds = runCli(['generate', '--model', golden, '--prompt-ids', '1,x', ...cpu]);
    expect(badIds.stderr).toMatch(/--prompt-ids must be comma-separated/);
    const outside = runCli(['generate', '--model', golden, '--prompt-ids', '99999', ...cpu]);
    expect(outside.stderr).toMatch(/PromptError.*99999 is outside the vocabulary/);
  });
});

describe('agentlm chat', () => {
  it('runs the slash commands and a turn from piped input', () => {
    const r = runCli(['chat', '--model', modelDir, '--max-new-tokens', '8', '--seed', '1', ...cpu], {
      input: '/tools\nhello there\n/reset\n/exit\n',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('calculator: Evaluates an arithmetic expression');
    expect(r.stdout).toContain('current_time:');
    expect(r.stdout).toMatch(/\[(stop|length|max_steps), \d+ step\(s\), \d+ tokens\]/);
    expect(r.stdout).toContain('(conversation reset)');
    const noTools = runCli(['chat', '--model', modelDir, '--no-tools', ...cpu], { input: '/tools\n/exit\n' });
    expect(noTools.stdout).toContain('(no tools)');
  });
});

describe('agentlm serve', () => {
  it('serves the OpenAI routes and shuts down gracefully on SIGTERM', async () => {
    const serving = [
      '--max-batch',
      '4',
      '--max-waiting',
      '2',
      '--prefill-chunk',
      '64',
      '--kv-cache-bytes',
      '1e9',
    ];
    const child = spawn(process.execPath, [
      cliBin,
      'serve',
      '--model',
      modelDir,
      '--port',
      '0',
      ...serving,
      ...cpu,
    ]);
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const m = /serving model at (http:\/\/\S+)\/v1/.exec(stdout);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
    });
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data[0]?.id).toBe('model');
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'hello', max_tokens: 4, seed: 1 }),
    });
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens,
    ).toBeLessThanOrEqual(4);
    const bad = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: '{"messages": 3}' });
    expect(bad.status).toBe(400);
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({
      status: 'ok',
      running: 0,
      waiting: 0,
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^agentlm_max_batch\{model="model"\} 4$/m);
    expect(metrics).toMatch(/^agentlm_kv_cache_budget_bytes\{model="model"\} 1000000000$/m);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('shutting down');
  });
});
