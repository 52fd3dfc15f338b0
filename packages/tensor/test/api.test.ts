import { describe, expect, it } from 'vitest';
import {
  attention,
  crossEntropy,
  gather,
  matmul,
  memoryStats,
  randn,
  rmsNorm,
  ShapeError,
  sum,
  swiglu,
  tensor,
  tidy,
} from '../src/index.js';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
};

describe('tensor API on cpu', () => {
  it('matmul forward and backward', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const b = tensor([1, 0, 0, 1, 1, 1], [3, 2], { requiresGrad: true });
    const y = matmul(a, b);
    close(y.dataSync(), [4, 5, 10, 11]);
    sum(y).backward();
    close(a.grad!.dataSync(), [1, 1, 2, 1, 1, 2]);
    close(b.grad!.dataSync(), [5, 5, 7, 7, 9, 9]);
  });

  it('broadcast add backward sums over broadcast dims', () => {
    const a = tensor([1, 2, 3, 4, 5, 6], [2, 3], { requiresGrad: true });
    const b = tensor([10, 20, 30], [3], { requiresGrad: true });
    const y = a.add(b).mul(a);
    sum(y).backward();
    close(b.grad!.dataSync(), [5, 7, 9]);
    close(a.grad!.dataSync(), [12, 24, 36, 18, 30, 42]);
  });

  it('a tiny model trains without leaking inside tidy', () => {
    const table = randn([10, 8], { seed: 1, requiresGrad: true });
    const w = randn([8, 8], { seed: 2, std: 0.3, requiresGrad: true });
    const g = tensor(new Float32Array(8).fill(1), [8], { requiresGrad: true });
    const ids = tensor(new Int32Array([1, 2, 3, 4]), [4]);
    const targets = tensor(new Int32Array([2, 3, 4, -100]), [4]);
    const before = memoryStats();
    tidy(() => {
      const x = gather(table, ids);
      const h = rmsNorm(x, g, 1e-6);
      const q = matmul(h, w).reshape([1, 1, 4, 8]);
      const o = attention(q, q, q, { causal: true, scale: 0.3 }).reshape([4, 8]);
      const logits = matmul(swiglu(o, h), table, { transposeB: true });
      const loss = crossEntropy(logits, targets);
      loss.backward();
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    });
    const after = memoryStats();
    expect(after.liveTensors).toBe(before.liveTensors + 3); // the three grads
    expect(table.grad!.shape).toEqual([10, 8]);
  });

  it('shape errors name the op, shapes and dtypes', () => {
    const a = tensor([1, 2], [1, 2]);
    const b = tensor([1, 2, 3], [3, 1]);
    expect(() => matmul(a, b)).toThrow(ShapeError);
    expect(() => matmul(a, b)).toThrow('matmul([1,2] f32, [3,1] f32)');
  });
});
