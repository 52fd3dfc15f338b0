import { describe, expect, it } from 'vitest';
import {
  cast,
  crossEntropy,
  linearCrossEntropy,
  matmul,
  noGrad,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  tidy,
} from '../src/index.js';

// The conformance suite checks values and gradients against crossEntropy(matmul(...)) on every backend;
// these cover what it does not: the gradient-free path, 16-bit weights and a realistic chunked shape.
const [n, d, v] = [40, 16, 300];
const targets = () =>
  tensor(
    Int32Array.from({ length: n }, (_, i) => (i % 9 === 4 ? -100 : (i * 37) % v)),
    [n],
  );
const mask = () =>
  tensor(
    Float32Array.from({ length: n }, (_, i) => (i % 5 === 1 ? 0 : 1)),
    [n],
  );

async function lossAndGrads(
  loss: (x: Tensor, w: Tensor) => Tensor,
  weightDType: 'f32' | 'f16' | 'bf16',
): Promise<{ loss: number; dx: Float32Array; dw: Float32Array }> {
  const x = randn([n, d], { seed: 3, requiresGrad: true });
  const w = randn([v, d], { seed: 4, requiresGrad: true });
  const l = tidy(() => {
    const y = loss(x, weightDType === 'f32' ? w : cast(w, weightDType));
    y.backward();
    return y;
  });
  const out = {
    loss: await l.item(),
    dx: (await x.grad?.data()) as Float32Array,
    dw: (await w.grad?.data()) as Float32Array,
  };
  for (const t of [l, x, w]) t.dispose();
  return out;
}

function expectClose(a: Float32Array, b: Float32Array): void {
  const scale = Math.max(...b.map(Math.abs));
  expect(scale).toBeGreaterThan(0);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(2e-5 * scale);
}

describe('linearCrossEntropy', () => {
  for (const weightDType of ['f32', 'f16', 'bf16'] as const) {
    it(`gives the unfused loss and gradients over several chunks (${weightDType} weight)`, async () => {
      const opts = () => ({ mask: mask() });
      const fused = await lossAndGrads(
        (x, w) => linearCrossEntropy(x, w, targets(), { ...opts(), chunkRows: 7 }),
        weightDType,
      );
      const plain = await lossAndGrads(
        (x, w) => crossEntropy(matmul(x, w, { transposeB: true }), targets(), opts()),
        weightDType,
      );
      expect(fused.loss).toBeCloseTo(plain.loss, 5);
      expectClose(fused.dx, plain.dx);
      expectClose(fused.dw, plain.dw);
    });
  }

  it('computes only the loss without a graph', async () => {
    const x = randn([n, d], { seed: 3, requiresGrad: true });
    const w = randn([v, d], { seed: 4, requiresGrad: true });
    const [fused, plain] = noGrad(() =>
      tidy(() => [
        linearCrossEntropy(x, w, targets(), { chunkRows: 16 }),
        crossEntropy(matmul(x, w, { transposeB: true }), targets()),
      ]),
    );
    expect(fused.requiresGrad).toBe(false);
    expect(await fused.item()).toBeCloseTo(await plain.item(), 5);
  });

  it('rejects a weight of the wrong width and a bad chunk size', () => {
    const x = randn([n, d], { seed: 1 });
    const w = randn([v, d], { seed: 2 });
    expect(() => linearCrossEntropy(x, randn([v, d + 1], { seed: 2 }), targets())).toThrow(ShapeError);
    expect(() => linearCrossEntropy(x, w, targets(), { chunkRows: 0 })).toThrow(/chunkRows/);
  });
});
