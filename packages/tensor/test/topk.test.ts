import { afterAll, describe, expect, it } from 'vitest';
import { memoryStats, ShapeError, tensor, topk, zeros } from '../src/index.js';
import { availableBackends } from './conformance/backends.js';

const backends = await availableBackends();
afterAll(() => {
  for (const b of backends) b.backend?.destroy();
});

describe('topk shape errors', () => {
  const x = zeros([2, 5]);
  it.each([
    [0, -1, 'topk([2,5] f32): k must be an integer in [1, 5] (axis 1 has length 5, at most 256), got 0'],
    [6, -1, 'got 6'],
    [1.5, -1, 'got 1.5'],
    [3, 0, 'k must be an integer in [1, 2] (axis 0 has length 2'],
  ])('k=%s axis=%s', (k, axis, message) => {
    expect(() => topk(x, k, axis)).toThrow(ShapeError);
    expect(() => topk(x, k, axis)).toThrow(message);
  });

  it('caps k at 256 and rejects i32 and bad axes', () => {
    expect(() => topk(zeros([300]), 257)).toThrow('k must be an integer in [1, 256]');
    expect(() => topk(zeros([3], { dtype: 'i32' }), 1)).toThrow('topk([3] i32): expected f32, got i32');
    expect(() => topk(x, 1, 2)).toThrow('axis 2 is out of range for rank 2');
  });
});

for (const { name, backend, reason } of backends) {
  if (!backend) {
    if (process.env.CI) throw new Error(`${name} backend unavailable: ${reason}`);
    console.log(`topk: skipping the ${name} backend: ${reason}`);
    continue;
  }
  describe(`topk on ${name}`, () => {
    it('orders NaN first, ties -0 with +0 by index, keeps -Infinity last', async () => {
      const x = tensor(Float32Array.of(-0, Number.NEGATIVE_INFINITY, 0, Number.NaN, 2, -0, 2), [7], {
        backend,
      });
      const { values, indices } = topk(x, 7);
      expect(Array.from(await indices.data())).toEqual([3, 4, 6, 0, 2, 5, 1]);
      const v = Array.from(await values.data());
      expect(v[0]).toBeNaN();
      expect(v.slice(1)).toEqual([2, 2, -0, 0, -0, Number.NEGATIVE_INFINITY]);
      for (const t of [x, values, indices]) t.dispose();
    });

    it('reads strided views and leaves no tensors behind', async () => {
      const before = memoryStats().liveTensors;
      const data = Float32Array.from({ length: 24 }, (_, i) => (i * 7) % 24);
      const base = tensor(data, [4, 6], { backend });
      const view = base.transpose(0, 1); // [6, 4]: row c is column c of base
      const { values, indices } = topk(view, 2);
      // Oracle: each column sorted by value (descending), then index.
      const want = Array.from({ length: 6 }, (_, c) =>
        [0, 1, 2, 3].sort((a, b) => data[b * 6 + c] - data[a * 6 + c] || a - b).slice(0, 2),
      );
      expect(Array.from(await indices.data())).toEqual(want.flat());
      expect(Array.from(await values.data())).toEqual(
        want.flatMap((rows, c) => rows.map((r) => data[r * 6 + c])),
      );
      for (const t of [base, view, values, indices]) t.dispose();
      expect(memoryStats().liveTensors).toBe(before);
    });
  });
}
