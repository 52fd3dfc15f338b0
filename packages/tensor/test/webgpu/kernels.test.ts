import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, DType, Storage, View } from '../../src/backend.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { isSoftwareDevice } from '../../src/backends/webgpu/device.js';
import { fixedSubgroupSize } from '../../src/backends/webgpu/kernels/matmul-subgroup.js';
import { webgpuOrSkip } from './setup.js';

/**
 * Every WebGPU kernel against the CPU backend's kernel on the same inputs, at awkward sizes (tile
 * edges, odd 16-bit counts, shared KV head). The conformance suite checks the ops end to end; this pins
 * failures to one kernel.
 */
const gpu = await webgpuOrSkip();
const cpu = createCpuBackend();
afterAll(() => gpu?.destroy());

let seed = 1;
function rand(n: number, lo = -2, hi = 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = lo + ((seed >>> 8) / 2 ** 24) * (hi - lo);
  }
  return a;
}

/** The same data uploaded to both backends. */
function pair(data: Float32Array | Int32Array, dtype: DType = data instanceof Int32Array ? 'i32' : 'f32') {
  const up = (be: Backend) => {
    const s = be.alloc(data.length, dtype);
    be.upload(s, data);
    return s;
  };
  return { g: up(gpu!), c: up(cpu) };
}

function outs(size: number, dtype: DType = 'f32') {
  return { g: gpu!.alloc(size, dtype), c: cpu.alloc(size, dtype) };
}

async function expectClose(o: { g: Storage; c: Storage }, tol = 1e-4): Promise<void> {
  const [a, b] = [await gpu!.read(o.g), await cpu.read(o.c)];
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (!(diff <= tol + tol * Math.abs(b[i])) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      expect.fail(`element ${i}: webgpu ${a[i]} vs cpu ${b[i]}`);
    }
  }
}

const view = (s: Storage, strides: number[], offset = 0): View => ({ storage: s, offset, strides });

describe.runIf(gpu)('webgpu kernels match the cpu kernels', { timeout: 120_000 }, () => {
  it('unary ops', async () => {
    const x = pair(rand(1000, 0.1, 3));
    for (const op of [
      'neg',
      'exp',
      'log',
      'sqrt',
      'rsqrt',
      'silu',
      'gelu',
      'tanh',
      'sigmoid',
      'abs',
    ] as const) {
      const o = outs(1000);
      gpu!.unary(op, x.g, o.g);
      cpu.unary(op, x.c, o.c);
      await expectClose(o);
    }
  });

  it('binary ops with broadcasting and i32 arithmetic', async () => {
    const a = pair(rand(3 * 17));
    const b = pair(rand(17, 0.5, 2));
    const ops = [
      'add',
      'sub',
      'mul',
      'div',
      'pow',
      'max',
      'min',
      'lt',
      'ge',
      'silu_grad',
      'gelu_grad',
    ] as const;
    for (const op of ops) {
      const o = outs(3 * 17);
      gpu!.binary(op, view(a.g, [17, 1]), view(b.g, [0, 1]), o.g, [3, 17]);
      cpu.binary(op, view(a.c, [17, 1]), view(b.c, [0, 1]), o.c, [3, 17]);
      await expectClose(o);
    }
    const i = pair(Int32Array.from([1, -5, 7, 1 << 20]));
    const o = outs(4, 'i32');
    gpu!.binary('mul', view(i.g, [1]), view(i.g, [1]), o.g, [4]);
    cpu.binary('mul', view(i.c, [1]), view(i.c, [1]), o.c, [4]);
    await expectClose(o, 0);
  });

  it('where, fill, copy (f32 and bf16, transposing)', async () => {
    const c = pair(Float32Array.from({ length: 6 }, (_, i) => i % 2));
    const a = pair(rand(6));
    const o = outs(6);
    gpu!.where(view(c.g, [3, 1]), view(a.g, [3, 1]), view(a.g, [0, 1], 1), o.g, [2, 3]);
    cpu.where(view(c.c, [3, 1]), view(a.c, [3, 1]), view(a.c, [0, 1], 1), o.c, [2, 3]);
    await expectClose(o);
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      const src = outs(35, dtype);
      const x = pair(rand(35));
      gpu!.cast(x.g, src.g);
      cpu.cast(x.c, src.c);
      const dst = outs(35, dtype);
      gpu!.copy(view(src.g, [1, 7]), view(dst.g, [5, 1]), [7, 5]);
      cpu.copy(view(src.c, [1, 7]), view(dst.c, [5, 1]), [7, 5]);
      await expectClose(dst, 0);
    }
    const f = outs(5, 'i32');
    gpu!.fill(f.g, -3);
    cpu.fill(f.c, -3);
    await expectClose(f, 0);
    // 16-bit storages take the element's bit pattern, an odd count filling half of the last word
    for (const [dtype, bits] of [
      ['bf16', 0x3fc0],
      ['f16', 0xc100],
    ] as const) {
      const h = outs(5, dtype);
      gpu!.fill(h.g, bits);
      cpu.fill(h.c, bits);
      await expectClose(h, 0);
    }
  });

  it('reductions along every axis position, serial and workgroup paths', async () => {
    const x = pair(rand(4 * 100 * 3));
    for (const op of ['sum', 'max', 'min', 'argmax'] as const) {
      for (const [outer, r, inner] of [
        [4, 100, 3],
        [400, 3, 1],
        [1, 1200, 1],
      ]) {
        const o = outs(outer * inner, op === 'argmax' ? 'i32' : 'f32');
        gpu!.reduce(op, x.g, o.g, outer, r, inner);
        cpu.reduce(op, x.c, o.c, outer, r, inner);
        await expectClose(o, op === 'argmax' ? 0 : 1e-4);
      }
    }
  });

  it('software adapters with subgroups get a fixed subgroup size (the subgroup matmul runs)', () => {
    // lavapipe offers subgroups of 8; the device must request them or matmul falls back to the slower kernel.
    if (isSoftwareDevice(gpu!.device) && gpu!.device.adapterInfo?.subgroupMinSize) {
      expect(fixedSubgroupSize(gpu!.device)).toBe(gpu!.device.adapterInfo.subgroupMinSize);
    }
  });

  it('matmul: tiled, transposed, batched with broadcast, bf16/f16 weights, GEMV', async () => {
    const cases = [
      { batch: 1, m: 70, n: 65, k: 33, transposeA: false, transposeB: false },
      { batch: 2, m: 17, n: 3, k: 100, transposeA: true, transposeB: true },
      { batch: 3, m: 1, n: 130, k: 77, transposeA: false, transposeB: true },
      { batch: 1, m: 1, n: 300, k: 20, transposeA: false, transposeB: false },
      // Aligned shapes (k % 4 == 0, n % 4 == 0): the register-blocked vec4 kernel on software adapters.
      { batch: 2, m: 33, n: 36, k: 20, transposeA: false, transposeB: false },
      { batch: 2, m: 5, n: 7, k: 16, transposeA: false, transposeB: true },
      { batch: 1, m: 1, n: 10, k: 8, transposeA: false, transposeB: true },
      { batch: 1, m: 1, n: 68, k: 8, transposeA: false, transposeB: false },
      // Several 64x32 tiles of the subgroup kernel (lavapipe), with partial row and column tiles.
      { batch: 2, m: 70, n: 44, k: 36, transposeA: false, transposeB: false },
      { batch: 1, m: 130, n: 70, k: 12, transposeA: false, transposeB: true },
    ];
    for (const c of cases) {
      for (const bType of ['f32', 'bf16', 'f16'] as const) {
        const a = pair(rand(c.batch * c.m * c.k));
        const b32 = pair(rand(c.k * c.n));
        const b = outs(c.k * c.n, bType);
        gpu!.cast(b32.g, b.g);
        cpu.cast(b32.c, b.c);
        const o = outs(c.batch * c.m * c.n);
        const p = { ...c, aBatchStride: c.m * c.k, bBatchStride: 0 };
        gpu!.matmul(a.g, b.g, o.g, p);
        cpu.matmul(a.c, b.c, o.c, p);
        await expectClose(o, 2e-4);
      }
    }
  });

  it('gather and deterministic scatter-add with duplicate ids', async () => {
    const table = pair(rand(10 * 7));
    const ids = pair(Int32Array.from([3, 0, 3, 9, 3, 1]));
    const o = outs(6 * 7);
    gpu!.gather(table.g, ids.g, o.g, 6, 7);
    cpu.gather(table.c, ids.c, o.c, 6, 7);
    await expectClose(o, 0);
    const dOut = pair(rand(6 * 7));
    gpu!.scatterAdd(dOut.g, ids.g, table.g, 6, 7);
    cpu.scatterAdd(dOut.c, ids.c, table.c, 6, 7);
    await expectClose(table);
  });

  it('softmax, log-softmax and their backward', async () => {
    const x = pair(rand(5 * 300, -5, 5));
    const dy = pair(rand(5 * 300));
    for (const log of [false, true]) {
      const y = outs(1500);
      gpu!.softmax(x.g, y.g, 5, 300, log);
      cpu.softmax(x.c, y.c, 5, 300, log);
      await expectClose(y);
      const dx = outs(1500);
      gpu!.softmaxBackward(y.g, dy.g, dx.g, 5, 300, log);
      cpu.softmaxBackward(y.c, dy.c, dx.c, 5, 300, log);
      await expectClose(dx);
    }
  });

  it('cross-entropy with ignore index and mask, and its backward', async () => {
    const logits = pair(rand(4 * 50, -4, 4));
    const targets = pair(Int32Array.from([3, -100, 49, 0]));
    const mask = pair(Float32Array.from([1, 1, 0.5, 0]));
    for (const m of [null, mask]) {
      const loss = outs(4);
      const weight = outs(4);
      gpu!.crossEntropy(logits.g, targets.g, m?.g ?? null, loss.g, weight.g, 4, 50, -100);
      cpu.crossEntropy(logits.c, targets.c, m?.c ?? null, loss.c, weight.c, 4, 50, -100);
      await expectClose(loss);
      await expectClose(weight);
      const scale = pair(Float32Array.from([0.25]));
      const d = outs(200);
      gpu!.crossEntropyBackward(logits.g, targets.g, m?.g ?? null, scale.g, d.g, 4, 50, -100);
      cpu.crossEntropyBackward(logits.c, targets.c, m?.c ?? null, scale.c, d.c, 4, 50, -100);
      await expectClose(d);
    }
  });

  it('rmsNorm, swiglu and their backward', async () => {
    const x = pair(rand(3 * 129));
    const w = pair(rand(129));
    const dy = pair(rand(3 * 129));
    const y = outs(3 * 129);
    const rstd = outs(3);
    gpu!.rmsNorm(x.g, w.g, y.g, rstd.g, 3, 129, 1e-6);
    cpu.rmsNorm(x.c, w.c, y.c, rstd.c, 3, 129, 1e-6);
    await expectClose(y);
    const dx = outs(3 * 129);
    const dw = outs(129);
    gpu!.rmsNormBackward(x.g, w.g, rstd.g, dy.g, dx.g, dw.g, 3, 129);
    cpu.rmsNormBackward(x.c, w.c, rstd.c, dy.c, dx.c, dw.c, 3, 129);
    await expectClose(dx);
    await expectClose(dw);
    const s = outs(387);
    gpu!.swiglu(x.g, dy.g, s.g);
    cpu.swiglu(x.c, dy.c, s.c);
    await expectClose(s);
    const [dg, du] = [outs(387), outs(387)];
    gpu!.swigluBackward(x.g, dy.g, x.g, dg.g, du.g);
    cpu.swigluBackward(x.c, dy.c, x.c, dg.c, du.c);
    await expectClose(dg);
    await expectClose(du);
  });

  it('rope interleaved and half-split, forward and inverse, at long-context positions', async () => {
    const x = pair(rand(2 * 3 * 2 * 8));
    const positions = pair(Int32Array.from([0, 17, 131071]));
    const invFreq = pair(Float32Array.from([1, 0.1, 0.01, 0.001]));
    for (const interleaved of [true, false]) {
      for (const inverse of [false, true]) {
        const p = { outer: 2, t: 3, heads: 2, rotaryDim: 8, scale: 1.25, interleaved, inverse };
        const o = outs(96);
        gpu!.rope(x.g, positions.g, invFreq.g, o.g, p);
        cpu.rope(x.c, positions.c, invFreq.c, o.c, p);
        await expectClose(o, 2e-4);
      }
    }
  });

  it('attention forward and backward, causal with offset, shared KV head', async () => {
    for (const kvHeads of [2, 1]) {
      const p = {
        batch: 2,
        heads: 2,
        kvHeads,
        tq: 5,
        tk: 70,
        d: 12,
        dv: 9,
        scale: 0.3,
        causal: true,
        queryOffset: 65,
      };
      const q = pair(rand(2 * 2 * 5 * 12));
      const k = pair(rand(2 * kvHeads * 70 * 12));
      const v = pair(rand(2 * kvHeads * 70 * 9));
      const [o, lse] = [outs(2 * 2 * 5 * 9), outs(2 * 2 * 5)];
      gpu!.attention(q.g, k.g, v.g, o.g, lse.g, p);
      cpu.attention(q.c, k.c, v.c, o.c, lse.c, p);
      await expectClose(o);
      await expectClose(lse);
      const dOut = pair(rand(2 * 2 * 5 * 9));
      const [dq, dk, dv] = [outs(q.c.size), outs(k.c.size), outs(v.c.size)];
      gpu!.attentionBackward(q.g, k.g, v.g, o.g, lse.g, dOut.g, dq.g, dk.g, dv.g, p);
      cpu.attentionBackward(q.c, k.c, v.c, o.c, lse.c, dOut.c, dq.c, dk.c, dv.c, p);
      await expectClose(dq, 3e-4);
      await expectClose(dk, 3e-4);
      await expectClose(dv, 3e-4);
    }
  });

  it('adamw and casts between every dtype', async () => {
    const [param, grad, m, v] = [pair(rand(33)), pair(rand(33)), pair(rand(33, 0, 1)), pair(rand(33, 0, 1))];
    const p = {
      lr: 0.01,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: 0.1,
      biasCorrection1: 0.19,
      biasCorrection2: 0.0975,
    };
    gpu!.adamw(param.g, grad.g, m.g, v.g, p);
    cpu.adamw(param.c, grad.c, m.c, v.c, p);
    for (const s of [param, m, v]) await expectClose(s);
    const x = pair(rand(13, -300, 300));
    for (const from of ['f32', 'f16', 'bf16', 'i32'] as const) {
      for (const to of ['f32', 'f16', 'bf16', 'i32'] as const) {
        const a = outs(13, from);
        gpu!.cast(x.g, a.g);
        cpu.cast(x.c, a.c);
        const b = outs(13, to);
        gpu!.cast(a.g, b.g);
        cpu.cast(a.c, b.c);
        await expectClose(b, 0);
      }
    }
  });

  it('rng reproduces the cpu stream', async () => {
    for (const kind of ['uniform', 'normal'] as const) {
      const o = outs(1000);
      const p = { kind, seedLo: 1234, seedHi: 5, a: -1, b: 3 };
      gpu!.rng(o.g, p);
      cpu.rng(o.c, p);
      await expectClose(o, 2e-5);
    }
  });
});
