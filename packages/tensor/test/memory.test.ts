import { afterAll, describe, expect, it } from 'vitest';
import {
  AdamWState,
  adamw,
  attention,
  type Backend,
  crossEntropy,
  dispose,
  gather,
  keep,
  matmul,
  memoryStats,
  ones,
  randn,
  rmsNorm,
  swiglu,
  type Tensor,
  tensor,
  tidy,
  zeroGrad,
  zeros,
} from '../src/index.js';
import { availableBackends } from './conformance/backends.js';

describe('memory', () => {
  it('tidy disposes intermediates, keeps results and kept tensors', () => {
    const start = memoryStats();
    let kept: Tensor | null = null;
    const result = tidy(() => {
      const a = zeros([4]);
      const b = a.add(1);
      kept = keep(b.mul(2));
      return b.mul(3);
    });
    expect(memoryStats().liveTensors).toBe(start.liveTensors + 2);
    expect(result.dataSync()).toEqual(new Float32Array([3, 3, 3, 3]));
    dispose([result, kept as unknown as Tensor]);
    expect(memoryStats()).toEqual(start);
  });

  it('tidy keeps tensors nested in returned objects, arrays and Maps', () => {
    const start = memoryStats().liveTensors;
    const out = tidy(() => {
      const a = zeros([2]);
      a.add(1); // freed
      return { logits: a.mul(2), cache: [[a.mul(3)], new Map([['k', a.mul(4)]])] };
    });
    expect(memoryStats().liveTensors).toBe(start + 3);
    const inner = out.cache[1] as Map<string, Tensor>;
    expect(inner.get('k')?.dataSync()).toEqual(new Float32Array([0, 0]));
    dispose([out.logits, (out.cache[0] as Tensor[])[0], inner.get('k') as Tensor]);
    expect(memoryStats().liveTensors).toBe(start);
  });

  it('reshape views share storage until the last one is disposed', () => {
    const start = memoryStats();
    const a = zeros([2, 3]);
    const v = a.reshape([6]);
    expect(memoryStats().bytes.cpu).toBe(start.bytes.cpu + 24);
    a.dispose();
    expect(v.dataSync().length).toBe(6);
    v.dispose();
    expect(memoryStats()).toEqual(start);
  });

  it('a disposed tensor throws a DisposedError naming it', () => {
    const a = zeros([2]);
    a.dispose();
    expect(() => a.add(1)).toThrow(/used after dispose/);
  });

  it('tidy rejects an async function', () => {
    expect(() => tidy(async () => 1)).toThrow(/synchronous/);
  });
});

const backends = await availableBackends();
afterAll(() => {
  for (const b of backends) b.backend?.destroy();
});

describe.each(backends.filter((b) => b.backend))('leak test on $name', ({ backend }) => {
  it('1,000 training steps inside tidy end with the memory of step 1', { timeout: 90_000 }, async () => {
    const on = { backend: backend as Backend };
    const vocab = 11;
    const dim = 8;
    const params = {
      embed: randn([vocab, dim], { seed: 1, std: 0.5, requiresGrad: true, ...on }),
      norm: ones([dim], { requiresGrad: true, ...on }),
      gate: randn([dim, dim], { seed: 2, std: 0.3, requiresGrad: true, ...on }),
      up: randn([dim, dim], { seed: 3, std: 0.3, requiresGrad: true, ...on }),
    };
    const list = Object.values(params);
    const ids = tensor(new Int32Array([1, 4, 2, 7, 3]), [5], on);
    const targets = tensor(new Int32Array([4, 2, 7, 3, 9]), [5], on);
    const state = new AdamWState();
    // reads only the first and last loss, so the GPU queue is not drained every step
    const step = async (read: boolean) => {
      const loss = tidy(() => {
        const x = gather(params.embed, ids);
        const h = rmsNorm(x, params.norm, 1e-6);
        // strided views on the way: heads permuted in and out, a transposed weight
        const q = h.reshape([1, 5, 2, dim / 2]).permute([0, 2, 1, 3]);
        const a = attention(q, q, q, { causal: true, scale: 0.35 }).permute([0, 2, 1, 3]).reshape([5, dim]);
        const m = swiglu(matmul(a, params.gate), matmul(h, params.up));
        const logits = matmul(m.add(x), params.embed.transpose());
        const l = crossEntropy(logits, targets);
        l.backward();
        adamw(list, state, { lr: 1e-2, weightDecay: 0.1 });
        zeroGrad(list);
        return l;
      });
      const value = read ? await loss.item() : Number.NaN;
      loss.dispose();
      return value;
    };
    const first = await step(true);
    const afterFirst = memoryStats();
    for (let i = 1; i < 999; i++) await step(false);
    const last = await step(true);
    expect(memoryStats()).toEqual(afterFirst);
    expect(last).toBeLessThan(first);
    state.dispose();
    dispose(list);
    dispose([ids, targets]);
  });
});
