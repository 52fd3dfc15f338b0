import { afterAll, describe, expect, it } from 'vitest';
import {
  AdamWState,
  adamw,
  type Backend,
  contiguous,
  matmul,
  memoryStats,
  permute,
  slice,
  type Tensor,
  tensor,
  transpose,
} from '../src/index.js';
import { availableBackends } from './conformance/backends.js';

const backends = await availableBackends();
afterAll(() => {
  for (const b of backends) b.backend?.destroy();
});

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe.each(backends.filter((b) => b.backend))('strided views on $name', ({ backend: b }) => {
  const backend = b as Backend;
  const bytes = () => memoryStats().bytes[backend.name];

  it('permute, transpose, slice and broadcastTo share storage: no new bytes', async () => {
    const start = memoryStats();
    const x = tensor(iota(24), [2, 3, 4], { backend });
    const withX = bytes();
    const p = permute(x, [2, 0, 1]);
    const t = transpose(x);
    const s = slice(x, [1, 1, 0], [2, 3, 3]);
    const corner = slice(x, [0, 0, 0], [1, 1, 4]);
    const row = corner.reshape([4]);
    const e = row.broadcastTo([5, 4]);
    expect(bytes()).toBe(withX);
    expect(p.strides).toEqual([1, 12, 4]);
    expect(t.shape).toEqual([2, 4, 3]);
    expect(t.strides).toEqual([12, 1, 4]);
    expect(s.offset).toBe(16);
    expect(e.strides).toEqual([0, 1]);
    expect([x.isContiguous, p.isContiguous, s.isContiguous, e.isContiguous]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(Array.from(await s.data())).toEqual([16, 17, 18, 20, 21, 22]);
    expect(Array.from(await p.data()).slice(0, 6)).toEqual([0, 4, 8, 12, 16, 20]);
    for (const v of [x, p, t, s, corner, row, e]) v.dispose();
    expect(memoryStats()).toEqual(start);
  });

  it('disposing the base or the view first are both safe', async () => {
    const start = memoryStats();
    for (const baseFirst of [true, false]) {
      const x = tensor(iota(6), [2, 3], { backend });
      const v = transpose(x);
      const [first, second] = baseFirst ? [x, v] : [v, x];
      first.dispose();
      expect(first.disposed).toBe(true);
      expect(Array.from(await second.data())).toEqual(baseFirst ? [0, 3, 1, 4, 2, 5] : [0, 1, 2, 3, 4, 5]);
      second.dispose();
      expect(memoryStats()).toEqual(start);
    }
  });

  it('a kernel that needs dense input copies a view once and frees the copy with it', async () => {
    const x = tensor(iota(12), [3, 4], { backend });
    const v = permute(x, [1, 0]);
    const before = bytes();
    const y1 = v.exp();
    const y2 = v.sqrt();
    expect(bytes()).toBe(before + 2 * 48 + 48); // two outputs and one dense copy of v
    v.dispose();
    expect(bytes()).toBe(before + 2 * 48);
    expect(Array.from(await y2.data()).map((z) => z * z)[1]).toBeCloseTo(4, 5);
    for (const t of [x, y1, y2]) t.dispose();
  });

  it('contiguous() of a view is dense; of a dense tensor shares its storage', async () => {
    const x = tensor(iota(6), [2, 3], { backend });
    const before = bytes();
    const same = contiguous(x);
    expect(bytes()).toBe(before);
    const c = contiguous(transpose(x));
    expect(c.isContiguous).toBe(true);
    expect(c.strides).toEqual([2, 1]);
    expect(Array.from(await c.data())).toEqual([0, 3, 1, 4, 2, 5]);
    for (const t of [x, same, c]) t.dispose();
  });

  it('matmul reads a transposed view in place (no dense copy)', async () => {
    const a = tensor(iota(6), [3, 2], { backend });
    const w = tensor(iota(8), [4, 2], { backend });
    const wT = transpose(w);
    const before = bytes();
    const y = matmul(a, wT);
    expect(bytes()).toBe(before + 3 * 4 * 4);
    expect(Array.from(await y.data())).toEqual([1, 3, 5, 7, 3, 13, 23, 33, 5, 23, 41, 59]);
    for (const t of [a, w, wT, y]) t.dispose();
  });

  it('matmul reads row slices with an offset in place (no dense copy)', async () => {
    const a = tensor(iota(12), [4, 3], { backend });
    const w = tensor(iota(6), [3, 2], { backend });
    const rows = slice(a, [2, 0], [4, 3]);
    const before = bytes();
    const y = matmul(rows, w);
    expect(bytes()).toBe(before + 2 * 2 * 4);
    // rows [6,7,8] and [9,10,11] times [[0,1],[2,3],[4,5]]
    expect(Array.from(await y.data())).toEqual([46, 67, 64, 94]);
    for (const t of [a, w, rows, y]) t.dispose();
  });

  it('a view of a parameter sees AdamW updates; AdamW refuses a view as a parameter', async () => {
    const p = tensor([1, 2, 3, 4], [2, 2], { backend, requiresGrad: true });
    const pT = transpose(p);
    const before = Array.from(await pT.exp().data());
    p.grad = tensor([1, 1, 1, 1], [2, 2], { backend });
    const state = new AdamWState();
    adamw([p], state, { lr: 0.5 });
    const after = Array.from(await pT.exp().data());
    expect(after[0]).toBeLessThan(before[0]);
    const view: Tensor = slice(p, [0, 0], [1, 2]);
    view.grad = tensor([1, 1], [1, 2], { backend });
    expect(() => adamw([view], state, { lr: 0.5 })).toThrow(/strided view/);
    for (const t of [p, pT, view]) t.dispose();
    state.dispose();
  });
});
