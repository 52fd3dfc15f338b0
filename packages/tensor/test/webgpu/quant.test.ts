import { afterAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/index.js';
import {
  type Backend,
  cast,
  createCpuBackend,
  gather,
  matmul,
  type QuantizedDType,
  slice,
  type Tensor,
  tensor,
} from '../../src/index.js';
import { presentedAs, webgpuOrSkip } from './setup.js';

/**
 * The WebGPU q8/q4 kernels (matmul's weight operand, gather's table, cast) against dequantize-then-f64 (the
 * f64 CPU reference holding the same packed bytes), on each kernel family the backend picks by adapter: the
 * adapter as it is (lavapipe: software, with subgroups), a software adapter without subgroups, and a GPU
 * (the shared-memory GEMV reductions and tiles). The last two run on the same device, presented to the
 * backend with other adapter facts.
 */
const native = await webgpuOrSkip();
const reference = createCpuBackend({ float64: true });

const variants: [string, WebGPUBackend][] = [];
if (native) {
  variants.push(['as the adapter is', native]);
  const as = (info: Partial<GPUAdapterInfo>) =>
    createWebGPUBackend({ device: presentedAs(native.device, info) });
  variants.push(['software, no subgroups', await as({ architecture: 'software', description: 'test' })]);
  variants.push(['GPU kernels', await as({ vendor: 'test', architecture: 'gpu', description: 'test' })]);
}
afterAll(() => {
  for (const [, b] of variants.reverse()) b.destroy();
});

/** Weight-like values with a different range per block (so per-block scales and minimums matter). */
const weights = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => {
    const block = Math.floor(i / 32);
    return Math.sin(i * 0.61 + seed) * (0.05 + ((block * 7 + seed) % 5) * 0.1) + ((block % 3) - 1) * 0.03;
  });
const activations = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => Math.cos(i * 0.37 + seed) * 1.3);

/** The same op on a backend and on the reference, compared elementwise to f32 accuracy. */
async function expectReference(build: (be: Backend) => Tensor, be: Backend): Promise<void> {
  const got = await build(be).data();
  const want = await build(reference).data();
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 2e-5 + 2e-5 * Math.abs(want[i]))) {
      expect.fail(`element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

const schemes: QuantizedDType[] = ['q8', 'q4'];

describe.runIf(native).each(variants)('webgpu q8/q4 kernels (%s)', { timeout: 120_000 }, (_, be) => {
  it.each(schemes)('%s matmul x @ Wᵀ and x @ W, m = 1, 3, 17, 64, awkward n and k', async (dtype) => {
    for (const m of [1, 3, 17, 64]) {
      // [n, k] weights: n need not be a multiple of 32 (nor of the rows a GEMV workgroup takes)
      for (const [n, k] of [
        [13, 96],
        [160, 224],
      ]) {
        await expectReference((b) => {
          const w = tensor(weights(n * k, n), [n, k], { dtype, backend: b });
          return matmul(tensor(activations(m * k, m), [m, k], { backend: b }), w, { transposeB: true });
        }, be);
      }
      for (const [k, n] of [
        [7, 96],
        [160, 224],
      ]) {
        await expectReference((b) => {
          const w = tensor(weights(k * n, k), [k, n], { dtype, backend: b });
          return matmul(tensor(activations(m * k, m), [m, k], { backend: b }), w);
        }, be);
      }
    }
  });

  it.each(schemes)(
    '%s matmul against a batch of weights at a block offset, and an unaligned x',
    async (dtype) => {
      // weights [3, 40, 64]: n 40 x k 64 transposed, k 40 x n 64 plain; the product takes the last two
      const shape = [3, 40, 64];
      for (const [m, transposeB] of [
        [1, true],
        [1, false],
        [5, true],
        [5, false],
      ] as const) {
        const k = transposeB ? 64 : 40;
        await expectReference((b) => {
          const w = tensor(weights(3 * 40 * 64, 9), shape, { dtype, backend: b });
          const x = tensor(activations(2 * m * k, 2), [2, m, k], { backend: b });
          return matmul(x, slice(w, [1, 0, 0], shape), { transposeB });
        }, be);
      }
      // x read from element 1 of its storage: no vec4 loads of x, the generic kernels dequantize b
      const k = 64;
      await expectReference((b) => {
        const w = tensor(weights(40 * k, 3), [40, k], { dtype, backend: b });
        const x = slice(tensor(activations(k + 1, 4), [1, k + 1], { backend: b }), [0, 1], [1, k + 1]);
        return matmul(x, w, { transposeB: true });
      }, be);
    },
  );

  it.each(schemes)('%s gather and cast to f32, f16 and bf16 dequantize on the device', async (dtype) => {
    const table = (b: Backend) => tensor(weights(11 * 96, 5), [11, 96], { dtype, backend: b });
    const ids = (b: Backend) => tensor(new Int32Array([10, 0, 3, 3, 7]), [5], { backend: b });
    await expectReference((b) => gather(table(b), ids(b)), be);
    await expectReference((b) => cast(table(b), 'f32'), be);
    for (const to of ['f16', 'bf16'] as const) {
      const got = await cast(table(be), to).data();
      const want = await cast(table(reference), 'f32').data();
      const ulp = to === 'f16' ? 2 ** -11 : 2 ** -8;
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(ulp * Math.abs(want[i]) + 1e-7);
      }
    }
  });
});
