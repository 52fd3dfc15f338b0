import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '@agentlm/model';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('agentlm demo', () => {
  it('--quick runs every stage and leaves a loadable checkpoint and a report with the measured numbers', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'agentlm-cli-demo-'));
    const res = runCli(['demo', '--quick', '--out', 'demo-out', '--seed', '3'], { cwd });
    expect(res.stderr).not.toMatch(/agentlm: /);
    expect(res.code).toBe(0);
    const out = join(cwd, 'demo-out');
    for (const stage of [
      'synthesize trajectories',
      'train STEM tokenizer',
      'build curriculum mixes',
      'pre-train',
      'agentic mid-training',
      'save HF checkpoint',
      'tool-using chat turn',
    ]) {
      expect(res.stdout).toMatch(new RegExp(`${stage}.*: done in \\d+\\.\\d s`));
    }
    expect(res.stdout).toMatch(
      /agent-task success on \d+ held-out tasks: \d+\.\d% before mid-training → \d+\.\d% after/,
    );
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'])
      expect(existsSync(join(out, 'model', f))).toBe(true);
    const model = await loadModel(join(out, 'model'));
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(model.config.vocabSize).toBe(result.sizes.vocab);
    expect(result.pretrain.steps).toBeGreaterThan(0);
    expect(Number.isFinite(result.pretrain.finalLoss)).toBe(true);
    expect(result.agent.before.successRate).toBeGreaterThanOrEqual(0);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('## Agent tasks before and after mid-training');
    expect(report).toMatch(/\| \*\*all\*\* \| \d+ \| \*\*\d+\.\d%\*\* \| \*\*\d+\.\d%\*\* \|/);
    expect(report).toMatch(/\| pre-training \| \d+ \| \d+ \| \d+\.\d{3} \| \d+\.\d{3} \|/);
    for (const svg of ['loss.svg', 'lr.svg', 'eval.svg'])
      expect(readFileSync(join(out, 'plots', svg), 'utf8')).toMatch(/^<svg/);

    // the checkpoint's tools.json: `agentlm chat` offers the kv tools and runs a call on the sample store
    const tools = JSON.parse(readFileSync(join(out, 'model', 'tools.json'), 'utf8'));
    expect(res.stdout).toContain(`tools: ${join(out, 'model', 'tools.json')}`);
    const [key, value] = Object.entries(tools.state.kv as Record<string, string>)[0] ?? [];
    expect(typeof key).toBe('string');
    const chat = runCli(['chat', '--model', join(out, 'model'), '--max-new-tokens', '4', '--seed', '1'], {
      input: `/tools\n/call kv_get {"key": ${JSON.stringify(key)}}\n/exit\n`,
    });
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout).toMatch(/tools from .*tools\.json: (kv_get, kv_set|kv_set, kv_get)\n/);
    expect(chat.stdout).toContain('kv_get:');
    expect(chat.stdout).toContain(`[tool result] ${JSON.stringify({ key, value })}`);
    expect(chat.stdout).not.toContain('unknown tool');
  }, 240_000);

  it('rejects an unknown backend with a one-line error', () => {
    const res = runCli([
      'demo',
      '--quick',
      '--backend',
      'tpu',
      '--out',
      mkdtempSync(join(tmpdir(), 'agentlm-cli-demo-')),
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/TrainConfigError.*--backend must be one of auto, cpu, webgpu, got "tpu"/);
  });
});
