// Train a tiny next-token model (embedding → RMSNorm → causal attention → SwiGLU → tied logits) for
// 200 AdamW steps on one repeated sequence, with every intermediate freed by `tidy`.
import {
  AdamWState,
  adamw,
  attention,
  crossEntropy,
  gather,
  initBackend,
  matmul,
  memoryStats,
  ones,
  randn,
  rmsNorm,
  swiglu,
  tensor,
  tidy,
  zeroGrad,
} from '@agentlm/tensor';

const backend = await initBackend('cpu');
const vocab = 16;
const dim = 32;
const params = {
  embed: randn([vocab, dim], { seed: 1, std: 0.5, requiresGrad: true }),
  norm: ones([dim], { requiresGrad: true }),
  gate: randn([dim, dim], { seed: 2, std: 0.2, requiresGrad: true }),
  up: randn([dim, dim], { seed: 3, std: 0.2, requiresGrad: true }),
};
const list = Object.values(params);
const sequence = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
const inputs = tensor(new Int32Array(sequence.slice(0, -1)), [sequence.length - 1]);
const targets = tensor(new Int32Array(sequence.slice(1)), [sequence.length - 1]);
const t = sequence.length - 1;
const optimizer = new AdamWState();

for (let step = 1; step <= 200; step++) {
  const loss = tidy(() => {
    const x = gather(params.embed, inputs); // [T, dim]
    const h = rmsNorm(x, params.norm, 1e-6);
    const q = h.reshape([1, 1, t, dim]);
    const a = attention(q, q, q, { causal: true, scale: 1 / Math.sqrt(dim) }).reshape([t, dim]);
    const m = swiglu(matmul(a, params.gate), matmul(h, params.up));
    const logits = matmul(m.add(x), params.embed, { transposeB: true }); // tied output head
    const l = crossEntropy(logits, targets);
    l.backward();
    adamw(list, optimizer, { lr: 3e-2, weightDecay: 0.01 });
    zeroGrad(list);
    return l;
  });
  if (step === 1 || step % 50 === 0) console.log(`step ${step}: loss ${(await loss.item()).toFixed(4)}`);
  loss.dispose();
}
console.log(`backend ${backend.name}, live tensors ${memoryStats().liveTensors}`);
