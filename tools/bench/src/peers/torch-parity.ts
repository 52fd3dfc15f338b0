/**
 * The check that the PyTorch peer runs the model we run: from the same weights, on a tiny shape, torch_youtu.py
 * must give our loss. `pnpm bench train` runs it before timing torch and refuses the PyTorch rows when it fails.
 * It is not a unit test: torch is no dependency of the project (CI does not install it), and a test that skips
 * wherever torch is absent would hide nothing but still read as skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configToJSON, presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { type Backend, type Tensor, tidy } from '@agentlm/tensor';
import { runTorch, type TorchPython } from './torch-youtu.js';

export interface TorchParity {
  ours: number;
  torch: number;
}

/** Our loss and torch's on the same tiny model and batch; throws when they differ by more than 1e-4. */
export async function checkTorchParity(py: TorchPython, backend: Backend): Promise<TorchParity> {
  // wide initial weights, so the loss depends on every part of the model (small ones leave it at ln V)
  const config = presetConfig('nano', {
    vocab_size: 96,
    num_hidden_layers: 2,
    initializer_range: 0.3,
    embedding_initializer_range: 1,
  });
  const ids = Array.from({ length: 2 }, (_, b) =>
    Array.from({ length: 13 }, (_, t) => (b * 37 + t * 11 + 5) % config.vocabSize),
  );
  const dir = mkdtempSync(join(tmpdir(), 'agentlm-torch-parity-'));
  try {
    const model = YoutuModel.init(config, { seed: 7, backend });
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
    const reply = runTorch(py, {
      mode: 'loss',
      config: configToJSON(config),
      weights: join(dir, 'model.safetensors'),
      ids,
    });
    const torch = reply.loss as number;
    if (Math.abs(ours - Math.log(config.vocabSize)) < 0.5 || !(Math.abs(torch - ours) <= 1e-4)) {
      throw new Error(
        `torch_youtu.py does not run our model: loss ${torch} from the weights where ours is ${ours} (ln V = ${Math.log(config.vocabSize).toFixed(4)})`,
      );
    }
    return { ours, torch };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
