import { afterAll, describe, expect, it } from 'vitest';
import { SplitStorage } from '../../src/backends/webgpu/context.js';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/index.js';
import {
  type Backend,
  BackendError,
  cast,
  createCpuBackend,
  DeviceError,
  type DType,
  exp,
  full,
  gather,
  matmul,
  randn,
  slice,
  type Tensor,
  tensor,
} from '../../src/index.js';
import { presentedAs, webgpuOrSkip } from './setup.js';

/**
 * Storages larger than one binding, split over several buffers (src/backends/webgpu/split.ts). The per-buffer
 * limit is forced down to PART_BYTES so that small tensors split into parts of awkward row counts (below: 3
 * to 20 rows of 320, a last part shorter; activations and outputs stay within one buffer); gather, matmul in both orientations, cast, copy, upload, write and
 * read are compared with the f64 CPU reference holding the same values, on the kernels the adapter picks
 * (lavapipe: the software ones) and on the GPU kernels (tiles, shared-memory GEMV) of the same device.
 */
const native = await webgpuOrSkip();
const reference = createCpuBackend({ float64: true });
const PART_BYTES = 4096;

const variants: [string, WebGPUBackend][] = [];
if (native) {
  const limited = (device: GPUDevice) => createWebGPUBackend({ device, maxBindingBytes: PART_BYTES });
  variants.push(['as the adapter is', await limited(native.device)]);
  const gpuKernels = presentedAs(native.device, { vendor: 'test', architecture: 'gpu', description: 'test' });
  variants.push(['GPU kernels', await limited(gpuKernels)]);
}
afterAll(() => {
  for (const [, b] of variants) b.destroy();
});

/** 61 rows of 320: f32 splits into parts of 3 rows, bf16 of 6, q8 of 12, q4 of 20. */
const ROWS = 61;
const DIM = 320;
const DTYPES: DType[] = ['f32', 'bf16', 'q8', 'q4'];

const values = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin(i * 0.61 + seed) * (0.1 + ((i >> 5) % 5) * 0.1));

/** The table [ROWS, DIM] of `dtype` on `be`; on a limited WebGPU backend it must really be split. */
function table(be: Backend, dtype: DType): Tensor {
  const t = tensor(values(ROWS * DIM, 3), [ROWS, DIM], { dtype, backend: be });
  if (be.name === 'webgpu') {
    expect(t.storage).toBeInstanceOf(SplitStorage);
    expect((t.storage as SplitStorage).parts.length).toBeGreaterThan(2);
  }
  return t;
}

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

describe.runIf(native).each(variants)('webgpu split storages (%s)', { timeout: 120_000 }, (_, be) => {
  it.each(DTYPES)('%s: upload and read, part by part, give back every element', async (dtype) => {
    await expectReference((b) => table(b, dtype), be);
  });

  it.each(DTYPES)('%s: write streamed in bands that straddle parts and planes', async (dtype) => {
    const whole = tensor(values(ROWS * DIM, 7), [ROWS, DIM], { dtype, backend: reference });
    const bytes = await rawBytes(whole);
    const t = table(be, dtype);
    // bands of 300 bytes (a multiple of 4 that is no multiple of any part or plane size)
    for (let at = 0; at < bytes.byteLength; at += 300) {
      be.write(t.storage, at, bytes.subarray(at, Math.min(at + 300, bytes.byteLength)));
    }
    expect(Array.from(await t.data())).toEqual(Array.from(await whole.data()));
  });

  it.each(DTYPES)('%s: gather rows from every part, across part boundaries', async (dtype) => {
    // three ids at a time: [3, 320] f32 is what one output buffer holds
    const ids = [60, 0, 1, 2, 3, 5, 6, 11, 12, 19, 20, 23, 24, 39, 40, 41, 59, 3, 60];
    for (let i = 0; i < ids.length; i += 3) {
      const some = ids.slice(i, i + 3);
      await expectReference(
        (b) => gather(table(b, dtype), tensor(Int32Array.from(some), [some.length], { backend: b })),
        be,
      );
    }
  });

  it.each(DTYPES)(
    '%s: x @ Wᵀ over the split rows of W [n, k] (the tied LM head), m = 1, 3',
    async (dtype) => {
      for (const m of [1, 3]) {
        await expectReference(
          (b) =>
            matmul(tensor(values(m * DIM, m), [m, DIM], { backend: b }), table(b, dtype), {
              transposeB: true,
            }),
          be,
        );
      }
      // a batch of x against the one weight
      await expectReference(
        (b) =>
          matmul(tensor(values(2 * DIM, 4), [2, 1, DIM], { backend: b }), table(b, dtype), {
            transposeB: true,
          }),
        be,
      );
    },
  );

  it.each(DTYPES)('%s: x @ W over the split rows of W [k, n], m = 1, 3, and xᵀ @ W', async (dtype) => {
    for (const m of [1, 3]) {
      await expectReference(
        (b) => matmul(tensor(values(m * ROWS, m), [m, ROWS], { backend: b }), table(b, dtype)),
        be,
      );
    }
    await expectReference(
      (b) =>
        matmul(tensor(values(ROWS * 3, 2), [ROWS, 3], { backend: b }), table(b, dtype), { transposeA: true }),
      be,
    );
  });

  it('cast between split storages of other part sizes (f32 → bf16 → f32, q8 → f32)', async () => {
    await expectReference((b) => cast(cast(table(b, 'f32'), 'bf16'), 'f32'), be);
    await expectReference((b) => cast(table(b, 'q8'), 'f32'), be);
  });

  it('fills and samples a split storage: the stream of one storage, part by part', async () => {
    const sampled = randn([ROWS, DIM], { seed: 5, std: 0.5, backend: be });
    expect(sampled.storage).toBeInstanceOf(SplitStorage);
    const whole = randn([ROWS, DIM], { seed: 5, std: 0.5, backend: native as WebGPUBackend });
    expect(Array.from(await sampled.data())).toEqual(Array.from(await whole.data()));
    const filled = await full([ROWS, DIM], 0.25, { backend: be }).data();
    expect(filled.every((v) => v === 0.25)).toBe(true);
  });

  it('copies a whole split storage into one split alike', async () => {
    const src = table(be, 'bf16');
    const dst = be.alloc(src.size, 'bf16', DIM);
    const view = (s: typeof dst) => ({ storage: s, offset: 0, strides: [DIM, 1] });
    be.copy(view(src.storage), view(dst), [ROWS, DIM]);
    expect(Array.from(await be.read(dst))).toEqual(Array.from(await src.data()));
    be.free(dst);
  });

  it('kernels that do not take split storages refuse them, naming the op and the sizes', async () => {
    const t = table(be, 'f32');
    expect(() => exp(t)).toThrow(DeviceError);
    expect(() => exp(t)).toThrow(
      new RegExp(
        `unary exp: a f32 storage of ${ROWS * DIM} elements \\(${ROWS * DIM * 4} bytes\\) spans \\d+ buffers, each binding at most ${PART_BYTES} bytes`,
      ),
    );
    // a slice of a split weight is not read part by part
    const x = tensor(values(DIM, 1), [1, DIM], { backend: be });
    const rows = slice(t, [1, 0], [ROWS, DIM]);
    expect(() => matmul(x, rows, { transposeB: true })).toThrow(
      /matmul: the f32 weight of \d+ elements spans/,
    );
    // split activations, and a split output
    const w = tensor(values(DIM * 2, 2), [DIM, 2], { backend: be });
    expect(() => matmul(t, w)).toThrow(/matmul.*: a f32 storage of 19520 elements/);
    const wide = tensor(values(4 * 1000, 2), [4, 1000], { backend: be });
    const x4 = tensor(values(3 * 4, 2), [3, 4], { backend: be });
    expect(() => matmul(x4, wide)).toThrow(/matmul.*: a f32 storage of 3000 elements/);
    // a view of a split storage cannot be copied (only whole storages are)
    expect(() => slice(t, [0, 1], [ROWS, DIM]).contiguous()).toThrow(/copy of a \[61,319\] view/);
  });

  it('a row that no buffer can hold is a DeviceError; a bad maxBindingBytes a BackendError', async () => {
    expect(() => be.alloc(4 * 2048, 'f32', 2048)).toThrow(DeviceError);
    expect(() => be.alloc(4 * 2048, 'f32', 2048)).toThrow(/rows of 2048 elements/);
    await expect(createWebGPUBackend({ device: be.device, maxBindingBytes: 100 })).rejects.toThrow(
      BackendError,
    );
  });
});

/** The raw bytes of a reference tensor's storage in the layout Backend.write addresses. */
async function rawBytes(t: Tensor): Promise<Uint8Array> {
  const data = (t.storage as unknown as { data: ArrayBufferView }).data;
  if (t.dtype === 'f32') return new Uint8Array(Float32Array.from(await t.data()).buffer);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
