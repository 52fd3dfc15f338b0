import { initBackend } from '@agentlm/tensor';
import { ContiguousLatentCache, presetConfig, YoutuModel } from './src/index.js';

const cpu = await initBackend('cpu');
const config = presetConfig('micro');
const model = YoutuModel.init(config, { seed: 1, backend: cpu });
const cache = new ContiguousLatentCache(config);
const out = model.prefill(
  Array.from({ length: 64 }, (_, i) => i),
  cache,
);
await out.data();
out.dispose();
const t1 = performance.now();
for (let i = 0; i < 20; i++) {
  const o = model.decodeStep(i, cache);
  await o.data();
  o.dispose();
}
console.log('decode', (20 / ((performance.now() - t1) / 1000)).toFixed(1), 'tok/s');
