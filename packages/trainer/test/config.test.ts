import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrainConfig, parseTrainConfig, TrainConfigError } from '../src/index.js';

describe('train config', () => {
  it('fills defaults and picks the loss mask by kind', () => {
    const pre = parseTrainConfig({
      kind: 'pretrain',
      out: 'o',
      model: { preset: 'nano' },
      data: { mix: 'm' },
    });
    expect(pre.lossMask).toBe('all');
    expect(pre.optim.weightDecay).toBe(0.1);
    expect(pre.batch.tokens).toBe(4096);
    const sft = parseTrainConfig({ kind: 'sft', out: 'o', model: { init: 'ckpt' }, data: { mix: 'm' } });
    expect(sft.lossMask).toBe('assistant');
  });

  it('names every field at fault', () => {
    const bad = {
      kind: 'finetune',
      out: 'o',
      model: { preset: 'nano' },
      data: { mix: 'm' },
      optim: { lr: -1 },
    };
    expect(() => parseTrainConfig(bad, 'run.json')).toThrow(TrainConfigError);
    expect(() => parseTrainConfig(bad, 'run.json')).toThrow(/run\.json: kind: .*optim\.lr/);
  });

  it('resolves paths against the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentlm-cfg-'));
    const file = join(dir, 'run.json');
    writeFileSync(
      file,
      JSON.stringify({ kind: 'midtrain', out: 'out', model: { init: 'ckpt' }, data: { mix: 'mix' } }),
    );
    const c = loadTrainConfig(file);
    expect(c.out).toBe(join(dir, 'out'));
    expect(c.model).toEqual({ init: join(dir, 'ckpt') });
    expect(c.data.mix).toBe(join(dir, 'mix'));
    expect(() => loadTrainConfig(join(dir, 'missing.json'))).toThrow(
      /missing\.json: cannot read config \(ENOENT\)/,
    );
  });
});
