import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMix, byteEncoder, parseCurriculum } from '@agentlm/mixer';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentlm-cli-train-'));
  const curriculum = parseCurriculum({
    seed: 1,
    sources: [{ name: 'stem', domain: 'stem', type: 'generator', generator: 'stem' }],
    stages: [
      { name: 'a', tokens: 1024, seqLen: 32, lr: 'warmup', weights: { stem: 1 } },
      { name: 'b', tokens: 512, seqLen: 32, lr: 'decay', weights: { stem: 1 } },
    ],
  });
  await buildMix(curriculum, { out: join(dir, 'mix'), encoder: byteEncoder(), resume: false });
});

function writeConfig(name: string, patch: Record<string, unknown> = {}): string {
  const file = join(dir, name);
  const config = {
    kind: 'pretrain',
    out: `run-${name}`,
    backend: 'cpu',
    model: { preset: 'nano', seqLen: 64 },
    data: { mix: 'mix' },
    batch: { tokens: 128, microBatchSequences: 2 },
    optim: { lr: 0.003, warmupSteps: 2 },
    checkpoint: { everySteps: 2, keepLast: 2 },
    logEverySteps: 1,
    ...patch,
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('agentlm train', () => {
  it('trains from a config, writes checkpoints and metrics, and resumes for more steps', () => {
    const config = writeConfig('a.json', { steps: 3 });
    const res = runCli(['train', config]);
    expect(res.stderr).not.toMatch(/agentlm: /);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /pretrain: [\d,]+ parameters, 3 steps of 2 × 2 × 32 tokens, loss on all tokens, cpu backend/,
    );
    expect(res.stdout).toMatch(/trained 3 steps, 384 tokens/);
    const run = join(dir, 'run-a.json');
    expect(existsSync(join(run, 'checkpoints', 'step-00000003', 'model.safetensors'))).toBe(true);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    const more = runCli(['train', config, '--resume', '--steps', '5']);
    expect(more.code).toBe(0);
    expect(more.stdout).toContain('resumed from');
    expect(more.stdout).toMatch(/trained 5 steps, 640 tokens/);
    // mid-training continues from the pre-trained weights, counting assistant tokens only
    const mid = writeConfig('mid.json', {
      kind: 'midtrain',
      model: { init: 'run-a.json/checkpoints/step-00000005' },
      steps: 1,
    });
    const res2 = runCli(['train', mid]);
    expect(res2.stderr).not.toMatch(/agentlm: /);
    expect(res2.code).toBe(0);
    expect(res2.stdout).toMatch(/midtrain: [\d,]+ parameters, 1 steps .* loss on assistant tokens/);
    expect(existsSync(join(dir, 'run-mid.json', 'checkpoints', 'step-00000001', 'config.json'))).toBe(true);
  }, 120_000);

  it('names the field at fault in a bad config', () => {
    const res = runCli(['train', writeConfig('bad.json', { kind: 'finetune', optim: { lr: -1 } })]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/TrainConfigError.*bad\.json: kind: .*optim\.lr/);
  });

  it('trains with mixed precision (bf16 forward, f32 master weights)', () => {
    const res = runCli(['train', writeConfig('bf16.json', { precision: 'bf16', steps: 2 })]);
    expect(res.stderr).not.toMatch(/agentlm: /);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/trained 2 steps/);
    expect(existsSync(join(dir, 'run-bf16.json', 'checkpoints', 'step-00000002', 'config.json'))).toBe(true);
  }, 120_000);
});
