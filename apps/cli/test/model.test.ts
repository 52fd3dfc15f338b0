import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const golden = fileURLToPath(new URL('../../../packages/model/test/fixtures/golden-tiny', import.meta.url));

describe('agentlm model', () => {
  it('model info prints config, parameter count and checkpoint contents', () => {
    const res = runCli(['model', 'info', golden]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('parameters: 17,520');
    expect(res.stdout).toContain('checkpoint: 26 tensors in 1 file(s)');
    const json = JSON.parse(runCli(['model', 'info', golden, '--json']).stdout);
    expect(json.stats.parameters).toBe(17520);
    expect(json.config.architectures).toEqual(['YoutuForCausalLM']);
  });

  it('model info on a directory without config.json fails with a ConfigError line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentlm-cli-model-'));
    const res = runCli(['model', 'info', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^agentlm: ConfigError \[CONFIG\]: .*config\.json: \(file\) cannot be read/);
  });
});
