import { afterAll, describe, expect, it } from 'vitest';
import type { AttentionParams, Backend, Storage } from '../../src/backend.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/index.js';
import type { KernelVariants } from '../../src/backends/webgpu/variants.js';
import { BackendError } from '../../src/errors.js';
import { webgpuOrSkip } from './setup.js';

/**
 * Each kernel variant the adapter may select (KernelVariants), forced in turn on this adapter: flash
 * attention forward and backward with subgroup-shared and workgroup-memory tiles (several tile widths,
 * sequence lengths that are not multiples of the tile, causal masks with offsets, a shared KV head)
 * against the f64 reference; latentAttention split over the context (flash-decoding) against the
 * one-pass kernel at lengths around the switch.
 */
const base = await webgpuOrSkip();
const reference = createCpuBackend({ float64: true });
const made: WebGPUBackend[] = [];
afterAll(() => {
  for (const b of made) b.destroy();
  base?.destroy();
});

async function withVariants(variants: Partial<KernelVariants>): Promise<WebGPUBackend> {
  const b = await createWebGPUBackend({ device: base!.device, variants });
  made.push(b);
  return b;
}

let seed = 7;
function rand(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) / 2 ** 23 - 1;
  });
}

function upload(be: Backend, data: Float32Array): Storage {
  const s = be.alloc(data.length, 'f32');
  be.upload(s, data);
  return s;
}

/** out, lse, dq, dk, dv of one forward + backward; outputs start as garbage that must be overwritten. */
async function attentionRun(
  be: Backend,
  p: AttentionParams,
  inputs: Float32Array[],
  backward = true,
): Promise<Float32Array[]> {
  const [q, k, v, dOut] = inputs.map((x) => upload(be, x));
  const garbage = (n: number) => upload(be, new Float32Array(n).fill(7));
  const out = garbage(p.batch * p.heads * p.tq * p.dv);
  const lse = garbage(p.batch * p.heads * p.tq);
  const [dq, dk, dv] = [inputs[0], inputs[1], inputs[2]].map((x) => garbage(x.length));
  be.attention(q, k, v, out, lse, p);
  if (backward) be.attentionBackward(q, k, v, out, lse, dOut, dq, dk, dv, p);
  const results = (await Promise.all([out, lse, dq, dk, dv].map((s) => be.read(s)))) as Float32Array[];
  for (const s of [q, k, v, dOut, out, lse, dq, dk, dv]) be.free(s);
  return results;
}

function expectClose(got: Float32Array, want: Float32Array, what: string, atol = 2e-5, rtol = 2e-4): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = got[i] === want[i] || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

const SHAPES: Omit<AttentionParams, 'scale'>[] = [
  // Several tiles of every width tested, ragged at both ends, causal.
  { batch: 1, heads: 2, kvHeads: 2, tq: 45, tk: 45, d: 8, dv: 8, causal: true, queryOffset: 0 },
  // Shared KV head (MLA-style), odd head dims.
  { batch: 2, heads: 3, kvHeads: 1, tq: 19, tk: 19, d: 5, dv: 3, causal: true, queryOffset: 0 },
  // Decode-like: a few queries at the end of a longer context; and rows that see no key (negative offset).
  { batch: 1, heads: 2, kvHeads: 2, tq: 5, tk: 37, d: 5, dv: 3, causal: true, queryOffset: 32 },
  { batch: 1, heads: 1, kvHeads: 1, tq: 21, tk: 14, d: 5, dv: 3, causal: true, queryOffset: -4 },
  { batch: 1, heads: 2, kvHeads: 2, tq: 30, tk: 23, d: 5, dv: 3, causal: false, queryOffset: 0 },
];

describe.runIf(base)('webgpu kernel variants', { timeout: 300_000 }, () => {
  // Workgroup-memory tiles are the GPU layout; lavapipe compiles their unrolled loads slowly, so they run
  // on one pair of head dims (d 5, dv 3), with tiles of 5 (ragged everywhere).
  const narrow = SHAPES.filter((p) => p.d === 5);
  const attentionVariants: [string, Partial<KernelVariants>, typeof SHAPES][] = [
    ['workgroup tiles of 5', { attention: 'workgroup', attentionTile: 5 }, narrow],
  ];
  if (base?.variants.subgroupSize) {
    attentionVariants.push(['subgroup tiles', { attention: 'subgroup' }, SHAPES]);
  }

  it('the adapter picks subgroup-shared attention tiles only on a software adapter with a fixed subgroup size', () => {
    const v = base!.variants;
    if (v.attention === 'subgroup') expect(v.subgroupSize).toBeGreaterThanOrEqual(4);
    expect(v.attentionTile).toBeLessThanOrEqual(base!.device.limits.maxComputeInvocationsPerWorkgroup);
  });

  for (const [name, variants, shapes] of attentionVariants) {
    it(`flash attention forward and backward, ${name}, against the f64 reference`, async () => {
      const be = await withVariants(variants);
      for (const shape of shapes) {
        const p = { ...shape, scale: 1 / Math.sqrt(shape.d) };
        const inputs = [
          rand(p.batch * p.heads * p.tq * p.d),
          rand(p.batch * p.kvHeads * p.tk * p.d),
          rand(p.batch * p.kvHeads * p.tk * p.dv),
          rand(p.batch * p.heads * p.tq * p.dv),
        ];
        const got = await attentionRun(be, p, inputs);
        const want = await attentionRun(reference, p, inputs);
        const label = `${name} ${JSON.stringify(shape)}`;
        ['out', 'lse', 'dq', 'dk', 'dv'].forEach((what, i) => {
          expectClose(got[i], want[i], `${label} ${what}`);
        });
      }
    });
  }

  it.runIf(base?.device.features.has('shader-f16'))(
    'f16 mixed-precision attention forward, each tile sharing, within f16 rounding of the f64 reference',
    async () => {
      const shared: Partial<KernelVariants> = base?.variants.subgroupSize ? { attention: 'subgroup' } : {};
      for (const variants of [shared, { attention: 'workgroup', attentionTile: 5 } as const]) {
        const be = await withVariants({ ...variants, f16: true });
        for (const shape of SHAPES.filter((p) => p.d === 5)) {
          const p = { ...shape, scale: 1 / Math.sqrt(shape.d) };
          const inputs = [
            rand(p.batch * p.heads * p.tq * p.d),
            rand(p.batch * p.kvHeads * p.tk * p.d),
            rand(p.batch * p.kvHeads * p.tk * p.dv),
            rand(p.batch * p.heads * p.tq * p.dv),
          ];
          const got = await attentionRun(be, p, inputs, false);
          const want = await attentionRun(reference, p, inputs, false);
          const label = `f16 ${JSON.stringify(variants)} ${JSON.stringify(shape)}`;
          expectClose(got[0], want[0], `${label} out`, 2e-3, 2e-2);
          expectClose(got[1], want[1], `${label} lse`, 2e-3, 2e-2);
        }
      }
    },
  );

  it('matmul with and without the subgroup kernel gives the reference results', async () => {
    const plain = await withVariants({ subgroupSize: null });
    expect(plain.variants.attention).toBe('workgroup');
    const shapes = [
      { batch: 2, m: 70, n: 44, k: 36, transposeA: false, transposeB: false },
      { batch: 1, m: 130, n: 70, k: 12, transposeA: false, transposeB: true },
    ];
    for (const be of [base!, plain]) {
      for (const shape of shapes) {
        const p = { ...shape, aBatchStride: shape.m * shape.k, bBatchStride: 0 };
        const [a, b] = [rand(shape.batch * shape.m * shape.k), rand(shape.k * shape.n)];
        const results: Float32Array[] = [];
        for (const backend of [be, reference]) {
          const [sa, sb] = [upload(backend, a), upload(backend, b)];
          const out = backend.alloc(shape.batch * shape.m * shape.n, 'f32');
          backend.matmul(sa, sb, out, p);
          results.push((await backend.read(out)) as Float32Array);
          for (const st of [sa, sb, out]) backend.free(st);
        }
        expectClose(
          results[0]!,
          results[1]!,
          `matmul ${JSON.stringify(shape)} subgroup ${be.variants.subgroupSize}`,
        );
      }
    }
  });

  it('rejects variants the device cannot run', async () => {
    const noSubgroups = { attention: 'subgroup', subgroupSize: null } as const;
    await expect(withVariants(noSubgroups)).rejects.toThrow(BackendError);
    await expect(withVariants({ attentionTile: 0 })).rejects.toThrow('attentionTile');
    await expect(withVariants({ latentChunk: 0 })).rejects.toThrow('latentChunk');
  });

  it('latentAttention split over the context equals the one-pass kernel around the switch', async () => {
    const onePass = await withVariants({ latentSplitAt: Number.POSITIVE_INFINITY });
    const split = await withVariants({ latentSplitAt: 40, latentChunk: 16 });
    const heads = 3;
    const width = 12;
    const dv = 9;
    const capacity = 80;
    // Rising scores along the cache: later chunks hold the max, so the merge must rescale earlier ones.
    const rows = rand(capacity * width).map((x, i) => (i % width === 0 ? x + 0.05 * (i / width) : x));
    const qv = rand(heads * width);
    for (const length of [39, 40, 41, 48, 49, 80]) {
      const outs: Float32Array[] = [];
      for (const be of [onePass, split]) {
        for (const dtype of ['f32', 'bf16'] as const) {
          const cache32 = upload(be, rows);
          const cache = be.alloc(rows.length, dtype);
          be.cast(cache32, cache);
          const q = upload(be, qv);
          const out = be.alloc(heads * dv, 'f32');
          be.latentAttention(q, cache, out, { heads, length, width, valueDim: dv, scale: 0.3 });
          outs.push((await be.read(out)) as Float32Array);
          for (const s of [cache32, cache, q, out]) be.free(s);
        }
      }
      expectClose(outs[2], outs[0], `f32 cache, length ${length}`, 1e-6, 1e-5);
      expectClose(outs[3], outs[1], `bf16 cache, length ${length}`, 1e-6, 1e-5);
    }
  });
});
