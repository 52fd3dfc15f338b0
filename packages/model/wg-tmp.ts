import * as T from '@agentlm/tensor';

const gpu = await T.initBackend('webgpu');
const cpu = await T.initBackend('cpu');
const op = process.argv[2];
const mk = (backend: T.Backend) => {
  const r = (shape: number[], seed = 1) => T.randn(shape, { seed, backend });
  const pos = T.tensor(Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), [8], { backend });
  switch (op) {
    case 'split4':
      return r([1, 8, 3, 10]).split([6, 4], 3)[1];
    case 'splitrope':
      return T.rope(r([1, 8, 3, 10]).split([6, 4], 3)[1], pos, { theta: 500, interleaved: true });
    case 'bcat': {
      const k = r([1, 8, 1, 4]).broadcastTo([1, 8, 3, 4]);
      return T.concat([r([1, 8, 3, 6], 2), k], 3).permute([0, 2, 1, 3]);
    }
    case 'attnperm': {
      const q = r([1, 8, 3, 10]).permute([0, 2, 1, 3]);
      const k = r([1, 8, 3, 10], 2).permute([0, 2, 1, 3]);
      const v = r([1, 8, 3, 5], 3).permute([0, 2, 1, 3]);
      return T.attention(q, k, v, { causal: true, scale: 0.3 });
    }
    case 'rms2':
      return T.rmsNorm(r([8, 16]).split([12, 4], 1)[0], r([12], 3), 1e-6);
    case 'gatherbig':
      return T.gather(r([48, 32]), T.tensor(Int32Array.from([4, 40, 0, 21, 21, 7, 33, 1]), [8], { backend }));
    case 'matmulT':
      return T.matmul(r([8, 32]), r([48, 32], 2), { transposeB: true });
    default:
      return r([4]);
  }
};
const a = await mk(gpu).data();
const b = await mk(cpu).data();
let worst = 0;
for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
console.log(op, 'max diff', worst);
gpu.destroy();
