import { describe, expect, it } from 'vitest';
import {
  BackendError,
  concat,
  DeviceError,
  initBackend,
  matmul,
  noGrad,
  ShapeError,
  split,
  sum,
  TensorError,
  tensor,
  zeros,
} from '../src/index.js';

describe('autograd', () => {
  it('accumulates gradients across backward calls', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    sum(x.mul(x)).backward();
    sum(x.mul(x)).backward();
    expect([...x.grad!.dataSync()]).toEqual([4, 8]);
  });

  it('sums gradients of a tensor used twice', () => {
    const x = tensor([3], [1], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    expect(x.grad!.dataSync()[0]).toBe(7);
  });

  it('noGrad records nothing', () => {
    const x = tensor([1], [1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(() => y.backward()).toThrow(TensorError);
  });

  it('a graph can be used by one backward only', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    const loss = sum(x.mul(x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/already consumed/);
    const y = x.mul(3);
    sum(y).backward();
    expect(() => sum(y.mul(2)).backward()).toThrow(/already consumed/);
  });

  it('backward needs a one-element tensor', () => {
    const x = tensor([1, 2], [2], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/one-element/);
  });

  it('split and concat route gradients back', () => {
    const x = tensor([1, 2, 3, 4, 5], [5], { requiresGrad: true });
    const [a, b] = split(x, [2, 3], 0);
    sum(concat([b.mul(2), a], 0)).backward();
    expect([...x.grad!.dataSync()]).toEqual([1, 1, 2, 2, 2]);
  });
});

describe('errors', () => {
  it('ShapeError names the op, shapes and dtypes', () => {
    const a = tensor([1, 2, 3], [3]);
    const b = tensor([1, 2], [2]);
    expect(() => a.add(b)).toThrow(ShapeError);
    expect(() => a.add(b)).toThrow('add([3] f32, [2] f32): shapes [3] and [2] do not broadcast');
    const ids = tensor(new Int32Array([1]), [1]);
    expect(() => matmul(ids.reshape([1, 1]), a.reshape([1, 3]))).toThrow(
      'matmul([1,1] i32, [1,3] f32): expected f32',
    );
    expect(() => a.reshape([2, 2])).toThrow('reshape([3] f32): cannot view 3 elements as [2,2]');
  });

  it('initBackend rejects unknown names and AGENTLM_BACKEND values', async () => {
    await expect(initBackend('tpu' as 'cpu')).rejects.toThrow(BackendError);
    const saved = process.env.AGENTLM_BACKEND;
    process.env.AGENTLM_BACKEND = 'cpu';
    try {
      expect((await initBackend('auto')).name).toBe('cpu');
      process.env.AGENTLM_BACKEND = 'nope';
      await expect(initBackend()).rejects.toThrow('AGENTLM_BACKEND: unknown backend "nope"');
    } finally {
      if (saved === undefined) delete process.env.AGENTLM_BACKEND;
      else process.env.AGENTLM_BACKEND = saved;
    }
  });
});

describe('allocation failures', () => {
  it('become DeviceErrors that say what was requested', () => {
    expect(() => zeros([2 ** 20, 2 ** 20])).toThrow(DeviceError);
    expect(() => zeros([2 ** 20, 2 ** 20])).toThrow(
      /cannot allocate 1099511627776 f32 elements \(4398046511104 bytes\)/,
    );
  });
});
