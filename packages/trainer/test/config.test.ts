import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetConfig } from '@agentlm/model';
import { describe, expect, it } from 'vitest';
import {
  checkTrainingMemory,
  estimateTrainingMemory,
  loadTrainConfig,
  parseTrainConfig,
  TrainConfigError,
  TrainerMemoryError,
} from '../src/index.js';

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
    expect(pre.workers).toBe('auto');
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
      workers: 0,
    };
    expect(() => parseTrainConfig(bad, 'run.json')).toThrow(TrainConfigError);
    expect(() => parseTrainConfig(bad, 'run.json')).toThrow(/run\.json: kind: .*optim\.lr.*workers/);
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

describe('memory estimate', () => {
  it('grows with the micro-batch and names what to reduce when it does not fit', () => {
    const c = presetConfig('nano');
    const small = estimateTrainingMemory(c, 1, 128);
    const big = estimateTrainingMemory(c, 8, 128);
    expect(big.parameters).toBe(small.parameters);
    expect(big.activations).toBeCloseTo(8 * small.activations, 0);
    // nano at vocab 2048: 1,017,600 parameters at vocab 1024 plus 1024 more embedding rows of 128
    expect(small.parameters).toBe(16 * (1_017_600 + 1024 * 128));
    expect(() => checkTrainingMemory(c, 8, 128, 1 << 20)).toThrow(TrainerMemoryError);
    expect(() => checkTrainingMemory(c, 8, 128, 1 << 20)).toThrow(/lower batch\.microBatchSequences/);
    expect(checkTrainingMemory(c, 1, 128, 2 ** 40).total).toBe(small.total);
  });
});
