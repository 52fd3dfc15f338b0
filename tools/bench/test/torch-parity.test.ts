import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToJSON, presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { initBackend, type Tensor, tidy } from '@agentlm/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { findTorch, runTorch } from '../src/peers/torch-youtu.js';

// The bench's PyTorch peer must run the model we run: from the same weights it gives the same loss. CI has no
// torch (installing it takes minutes), so there the check is skipped with the reason printed.
const torch = findTorch();
if (!torch) console.warn('torch-parity: skipped, no python3 imports torch (apt-get install python3-torch)');

describe.skipIf(!torch)('PyTorch peer (torch_youtu.py)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentlm-torch-parity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives our initial loss from the same weights on a tiny shape', async () => {
    // wide initial weights, so the loss depends on every part of the model (small ones leave it at ln V)
    const config = presetConfig('nano', {
      vocab_size: 96,
      num_hidden_layers: 2,
      initializer_range: 0.3,
      embedding_initializer_range: 1,
    });
    const model = YoutuModel.init(config, { seed: 7, backend: await initBackend('cpu') });
    const ids = Array.from({ length: 2 }, (_, b) =>
      Array.from({ length: 13 }, (_, t) => (b * 37 + t * 11 + 5) % config.vocabSize),
    );
    const loss = tidy(
      () =>
        model.forward(
          ids.map((r) => r.slice(0, -1)),
          { targets: ids.map((r) => r.slice(1)) },
        ).loss as Tensor,
    );
    const ours = await loss.item();
    loss.dispose();
    await saveModel(model, dir);
    model.dispose();
    const reply = runTorch(torch as NonNullable<typeof torch>, {
      mode: 'loss',
      config: configToJSON(config),
      weights: join(dir, 'model.safetensors'),
      ids,
    });
    expect(Math.abs(ours - Math.log(config.vocabSize))).toBeGreaterThan(0.5);
    expect(reply.loss as number).toBeCloseTo(ours, 4);
  });
});
