import { describe, expect, it } from 'vitest';
import { modelDirectoryFiles } from '../src/files.js';

const file = (path: string) => ({ name: path.split('/').pop() as string, webkitRelativePath: path });

describe('modelDirectoryFiles', () => {
  it('finds the checkpoint folder inside an `agentlm demo` output folder', () => {
    const found = modelDirectoryFiles(
      [
        'demo/report.md',
        'demo/runs/pretrain/checkpoints/step-10/config.json',
        'demo/runs/pretrain/checkpoints/step-10/model.safetensors',
        'demo/model/config.json',
        'demo/model/model.safetensors',
        'demo/model/tokenizer.json',
        'demo/model/tokenizer_config.json',
        'demo/model/trainer_state.json',
      ].map(file),
    );
    expect(found?.folder).toBe('demo/model');
    expect([...(found?.files.keys() ?? [])].sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
  });

  it('takes loose files (a multi-file pick) and shards with their index; null without config.json', () => {
    const loose = modelDirectoryFiles(
      [
        'config.json',
        'model-00001-of-00002.safetensors',
        'model-00002-of-00002.safetensors',
        'model.safetensors.index.json',
        'notes.txt',
      ].map((name) => ({ name })),
    );
    expect(loose?.folder).toBe('');
    expect(loose?.files.size).toBe(4);
    expect(modelDirectoryFiles([{ name: 'model.safetensors' }])).toBeNull();
  });
});
