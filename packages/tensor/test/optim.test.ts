import { describe, expect, it } from 'vitest';
import { AdamWState, adamw, clipGradNorm, sum, tensor } from '../src/index.js';

describe('adamw', () => {
  it('matches the AdamW formulas for two steps, decaying only matrices by default', () => {
    const w = tensor([1, -2, 3, 0.5], [2, 2], { requiresGrad: true });
    const b = tensor([1, -1], [2], { requiresGrad: true });
    const state = new AdamWState();
    const opts = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5 };
    const expectW = [1, -2, 3, 0.5];
    const expectB = [1, -1];
    const m = [0, 0, 0, 0, 0, 0];
    const v = [0, 0, 0, 0, 0, 0];
    for (let t = 1; t <= 2; t++) {
      // loss = sum(w^2) + sum(3 b): grads 2w and 3
      sum(w.mul(w))
        .add(sum(b.mul(3)))
        .backward();
      adamw([w, b], state, opts);
      const values = [...expectW, ...expectB];
      values.forEach((p, i) => {
        const g = i < 4 ? 2 * p : 3;
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.99 * v[i] + 0.01 * g * g;
        const update = m[i] / (1 - 0.9 ** t) / (Math.sqrt(v[i] / (1 - 0.99 ** t)) + 1e-8);
        const decay = i < 4 ? 0.5 * p : 0;
        if (i < 4) expectW[i] = p - 0.1 * (update + decay);
        else expectB[i - 4] = p - 0.1 * (update + decay);
      });
      w.grad = null;
      b.grad = null;
    }
    const got = [...w.dataSync(), ...b.dataSync()];
    [...expectW, ...expectB].forEach((e, i) => {
      expect(got[i]).toBeCloseTo(e, 5);
    });
    expect(state.step).toBe(2);
    state.dispose();
  });
});

describe('clipGradNorm', () => {
  it('returns the global norm and scales gradients down to maxNorm', async () => {
    const a = tensor([3, 0], [2], { requiresGrad: true });
    const b = tensor([4], [1], { requiresGrad: true });
    a.grad = tensor([3, 0], [2]);
    b.grad = tensor([4], [1]);
    expect(await clipGradNorm([a, b], 1)).toBeCloseTo(5, 6);
    expect([...a.grad.dataSync(), ...b.grad!.dataSync()].map((x) => +x.toFixed(6))).toEqual([0.6, 0, 0.8]);
    expect(await clipGradNorm([a, b], 10)).toBeCloseTo(1, 6);
    expect(b.grad!.dataSync()[0]).toBeCloseTo(0.8, 6);
  });
});
