import { initBackend, noGrad, tidy, zeroGrad } from '@agentlm/tensor';
import { ContiguousLatentCache, presetConfig, YoutuModel } from './src/index.js';

const cpu = await initBackend('cpu');
for (const name of ['micro', 'small'] as const) {
  const config = presetConfig(name);
  const model = YoutuModel.init(config, { seed: 1, backend: cpu });
  const B = name === 'micro' ? 4 : 1,
    T = 64;
  const ids = Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, t) => (b * 131 + t * 17) % config.vocabSize),
  );
  const targets = ids.map((r) => [...r.slice(1), 0]);
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    const l = tidy(() => {
      const l = model.forward(ids, { targets }).loss!;
      l.backward();
      return l;
    });
    const v = await l.item();
    l.dispose();
    zeroGrad(model.parameters());
    console.log(
      name,
      'fwd+bwd',
      ((B * T) / ((performance.now() - t0) / 1000)).toFixed(0),
      'tok/s',
      v.toFixed(3),
    );
  }
  const t0 = performance.now();
  const cache = new ContiguousLatentCache(config);
  const out = model.prefill(ids[0].concat(ids[0]), cache);
  await out.data();
  out.dispose();
  console.log(name, 'prefill', (128 / ((performance.now() - t0) / 1000)).toFixed(0), 'tok/s');
  const t1 = performance.now();
  for (let i = 0; i < 8; i++) {
    const o = model.decodeStep(i, cache);
    await o.data();
    o.dispose();
  }
  console.log(name, 'decode', (8 / ((performance.now() - t1) / 1000)).toFixed(1), 'tok/s');
  cache.dispose();
  model.dispose();
}
