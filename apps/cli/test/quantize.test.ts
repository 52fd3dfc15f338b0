import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { createCpuBackend } from '@agentlm/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'agentlm-cli-quantize-'));
const floatDir = join(root, 'bf16');

beforeAll(async () => {
  const config = presetConfig('nano', { num_hidden_layers: 2, vocab_size: 256 });
  const model = YoutuModel.init(config, { seed: 4, backend: createCpuBackend(), requiresGrad: false });
  await saveModel(model, floatDir, { dtype: 'bfloat16' });
});

const ids = ['--prompt-ids', '1,2,3,4', '--print-ids', '--temperature', '0', '--max-new-tokens', '5'];
const cpu = ['--backend', 'cpu'];

describe('agentlm quantize', () => {
  it.each(['q8', 'q4'])('writes a %s checkpoint that generate reads as quantizing on load does', (format) => {
    const out = join(root, format);
    const q = runCli(['quantize', '--model', floatDir, '--to', format, '--out', out]);
    expect(q.code, q.stderr).toBe(0);
    expect(q.stdout).toMatch(new RegExp(`wrote ${format} checkpoint to .*config.json, model.safetensors`));
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).quantization_config.format).toBe(
      format,
    );
    const stored = runCli(['generate', '--model', out, ...ids, ...cpu]);
    expect(stored.code, stored.stderr).toBe(0);
    expect(stored.stderr).toMatch(
      /prefill [\d.]+ tok\/s \(first token after [\d.]+ s\), decode [\d.]+ tok\/s, resident [\d.]+ GiB/,
    );
    const onLoad = runCli(['generate', '--model', floatDir, '--dtype', format, ...ids, ...cpu]);
    expect(onLoad.code, onLoad.stderr).toBe(0);
    expect(onLoad.stdout).toBe(stored.stdout);
  });

  it('refuses an unknown format and a checkpoint already quantized, naming them', () => {
    const bad = runCli(['quantize', '--model', floatDir, '--to', 'q3', '--out', join(root, 'x')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--to: value must be q8 or q4, got "q3"');
    const twice = runCli(['quantize', '--model', join(root, 'q8'), '--to', 'q4', '--out', join(root, 'y')]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/CheckpointError \[DTYPE\].*already quantized \(q8\)/);
  });

  it('logits takes --dtype', () => {
    const out = join(root, 'logits.json');
    const r = runCli(['logits', '--model', floatDir, '--ids', '1,2', '--dtype', 'q4', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).logits[0]).toHaveLength(256);
  });
});
