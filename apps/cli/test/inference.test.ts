import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { createCpuBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelServer } from '../../../packages/model/test/http-server.js';
import { cliBin, runCli, runCliAsync } from './run-cli.js';

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

const keyArg = { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] };
const noArgs = { type: 'object', properties: {} };
const script = (name: string, source: string, timeoutMs?: number) => ({
  type: 'function',
  function: { name, parameters: noArgs },
  implementation: { kind: 'script', source, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
});
/** A manifest with a built-in kv_get over a store, a working script and hostile ones. */
const manifest = {
  format: 'agentlm-tools/1',
  tools: [
    {
      type: 'function',
      function: { name: 'kv_get', description: 'Read the value stored under a key.', parameters: keyArg },
      implementation: { kind: 'builtin' },
    },
    {
      type: 'function',
      function: {
        name: 'shout',
        parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      },
      implementation: { kind: 'script', source: 'return args.text.toUpperCase() + "!";' },
    },
    script('spin', 'for (;;) {}', 200),
    script('escape', 'return require("fs").readFileSync("/etc/passwd", "utf8");'),
    script('hog', 'const a = []; for (;;) a.push(new Array(1e6).fill(1));'),
  ],
  state: { kv: { colour: 'teal' } },
};

/** A copy of the test model with `tools` written as its tools.json. */
function checkpointWithTools(tools: unknown): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'agentlm-cli-tools-')), 'ckpt');
  cpSync(modelDir, dir, { recursive: true });
  writeFileSync(join(dir, 'tools.json'), JSON.stringify(tools));
  return dir;
}

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

describe('agentlm chat with a tool manifest', () => {
  it("offers the checkpoint's tools.json and runs its built-in and sandboxed tools", () => {
    const dir = checkpointWithTools(manifest);
    const calls = [
      '/call kv_get {"key": "colour"}',
      '/call kv_get {"key": "shape"}',
      '/call kv_get {"key": 7}',
      '/call shout {"text": "hi"}',
      '/call spin',
      '/call escape',
      '/call hog',
      '/call kv_get {oops',
      '/call kv_set {"key": "a", "value": "b"}',
    ];
    const r = runCli(['chat', '--model', dir, '--max-new-tokens', '4', '--seed', '1', ...cpu], {
      input: `/tools\n${calls.join('\n')}\nhello\n/exit\n`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`tools from ${join(dir, 'tools.json')}: kv_get, shout, spin, escape, hog\n`);
    expect(r.stdout).toContain('kv_get: Read the value stored under a key.\n');
    expect(r.stdout).not.toContain('calculator');
    const results = r.stdout
      .split('\n')
      .map((l) => l.replace(/^(> )+/, ''))
      .filter((l) => l.startsWith('[tool result]') || l.startsWith('(the'));
    expect(results[0]).toBe('[tool result] {"key":"colour","value":"teal"}');
    expect(results[1]).toBe('[tool result] Error: tool "kv_get" failed: no value under key "shape"');
    expect(results[2]).toMatch(/invalid arguments for tool "kv_get": arguments\/key must be string/);
    expect(results[3]).toBe('[tool result] HI!');
    expect(results[4]).toMatch(/^\[tool result\] Error: tool "spin" failed: TimeoutError/);
    expect(results[5]).toMatch(/^\[tool result\] Error: tool "escape" failed: ReferenceError: .*require/);
    expect(results[6]).toMatch(/^\[tool result\] Error: tool "hog" failed: .*(memory|Memory)/);
    expect(results[7]).toMatch(/^\(the arguments must be JSON/);
    expect(results[8]).toBe(
      '[tool result] Error: unknown tool "kv_set" (available: kv_get, shout, spin, escape, hog)',
    );
    // the session still chats after the hostile scripts
    expect(r.stdout).toMatch(/\[(stop|length|max_steps), \d+ step\(s\), \d+ tokens\]/);
  });

  it('offers the tools.json of a model loaded by URL (downloaded with it into the cache)', async () => {
    const server = new ModelServer(checkpointWithTools(manifest));
    try {
      const url = await server.start();
      const r = await runCliAsync(['chat', '--model', url, ...cpu], {
        input: '/tools\n/call kv_get {"key": "colour"}\n/exit\n',
        env: { AGENTLM_CACHE: mkdtempSync(join(tmpdir(), 'agentlm-cli-tools-cache-')) },
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/tools\.json/);
      expect(r.stdout).toMatch(/tools from .*tools\.json: kv_get, shout, spin, escape, hog\n/);
      expect(r.stdout).toContain('[tool result] {"key":"colour","value":"teal"}');
    } finally {
      await server.close();
    }
  });

  it("takes --tools FILE over the checkpoint's, --no-tools over both, and rejects a bad manifest in one line", () => {
    const dir = checkpointWithTools(manifest);
    const other = join(dir, 'other.json');
    writeFileSync(
      other,
      JSON.stringify({ ...manifest, tools: manifest.tools.slice(1, 2), state: undefined }),
    );
    const given = runCli(['chat', '--model', dir, '--tools', other, ...cpu], { input: '/tools\n/exit\n' });
    expect(given.stdout).toContain(`tools from ${other}: shout\n`);
    const none = runCli(['chat', '--model', dir, '--no-tools', ...cpu], { input: '/tools\n/exit\n' });
    expect(none.stdout).toContain('(no tools)');
    const bad = checkpointWithTools({
      ...manifest,
      tools: [{ ...manifest.tools[0], implementation: { kind: 'builtin', name: 'nope' } }],
    });
    const r = runCli(['chat', '--model', bad, ...cpu], { input: '/exit\n' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      new RegExp(
        `^agentlm: ToolManifestError \\[TOOL_MANIFEST\\]: ${join(bad, 'tools.json')}: tools\\[0\\]\\.implementation\\.name names no built-in tool "nope" \\(built-ins here: .*kv_get`,
      ),
    );
    const missing = runCli(['chat', '--model', dir, '--tools', join(dir, 'nope.json'), ...cpu], {
      input: '',
    });
    expect(missing.stderr).toMatch(/ToolManifestError.*nope\.json: cannot be read/);
  });
});

/** Starts `agentlm serve` on a free port; resolves once it prints its URL. */
async function startServe(args: string[]) {
  const child = spawn(process.execPath, [cliBin, 'serve', '--port', '0', ...args, ...cpu]);
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /serving \S+ at (http:\/\/\S+)\/v1/.exec(stdout);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
  });
  return { child, url, output: () => stdout };
}

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
    const { child, url, output } = await startServe(['--model', modelDir, ...serving]);
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
    expect(output()).toContain('shutting down');
  });

  it("offers the checkpoint's tools.json as the default tools of chat requests", async () => {
    const dir = checkpointWithTools(manifest);
    const { child, url, output } = await startServe(['--model', dir]);
    expect(output()).toContain(`default tools from ${join(dir, 'tools.json')}`);
    expect(output()).toContain('kv_get, shout, spin, escape, hog');
    const promptTokens = async (extra: Record<string, unknown>) => {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hello' }], max_tokens: 1, ...extra }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
    };
    // the tool specs are rendered into the prompt unless the request names its own tools
    const withDefaults = await promptTokens({});
    expect(withDefaults).toBeGreaterThan((await promptTokens({ tools: [] })) + 50);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
