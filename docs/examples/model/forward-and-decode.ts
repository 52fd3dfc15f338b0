// Initialise a nano model on the CPU, compute a training loss, then generate greedily with the latent cache
// (prefill with expanded attention, decode with absorbed attention), and save / reload the checkpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContiguousLatentCache, loadModel, presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { argmax, initBackend, noGrad, tidy } from '@agentlm/tensor';

const backend = await initBackend('cpu');
const config = presetConfig('nano', { vocab_size: 512 });
const model = YoutuModel.init(config, { seed: 42, backend });

// Training forward: targets[t] is the id that follows ids[t]; -100 positions are not counted.
const ids = [[1, 17, 300, 42, 7, 99]];
const targets = [[17, 300, 42, 7, 99, -100]];
const { loss } = model.forward(ids, { targets });
console.log(
  `loss of an untrained nano model: ${(await loss?.item())?.toFixed(3)} (ln 512 = ${Math.log(512).toFixed(3)})`,
);
loss?.backward();
console.log(`embedding gradient shape: [${model.weight('model.embed_tokens.weight').grad?.shape}]`);
loss?.dispose();

// Inference: prefill the prompt, then one absorbed decode step per new token.
const cache = new ContiguousLatentCache(config);
let logits = model.prefill(ids[0], cache);
const generated: number[] = [];
for (let i = 0; i < 5; i++) {
  const next = tidy(() => noGrad(() => argmax(logits, -1)));
  const id = (await next.data())[0];
  next.dispose();
  logits.dispose();
  generated.push(id);
  logits = model.decodeStep(id, cache);
}
logits.dispose();
console.log(`greedy continuation: ${generated.join(' ')} (cache holds ${cache.length(0)} tokens per layer)`);
cache.dispose();

// An HF checkpoint: config.json + model.safetensors, written atomically; loads back bit-exact.
const dir = join(mkdtempSync(join(tmpdir(), 'agentlm-example-')), 'nano');
const files = await saveModel(model, dir);
const loaded = await loadModel(dir, { backend });
const [a, b] = await Promise.all([
  model.weight('model.norm.weight').data(),
  loaded.weight('model.norm.weight').data(),
]);
console.log(
  `saved ${files.join(', ')}; reloaded ${loaded.params.size} tensors, identical: ${a.every((v, i) => v === b[i])}`,
);
model.dispose();
loaded.dispose();
