import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cpuPool } from '../src/backends/cpu/threads/pool.js';
import {
  cast,
  cpuThreads,
  createCpuBackend,
  type DType,
  latentAttention,
  matmul,
  setCpuThreads,
  type Tensor,
  tensor,
} from '../src/index.js';

/**
 * The CPU worker pool (threads/pool.ts): GEMV and GEMM split across lanes give the one-lane result bit for bit,
 * for f32, bf16, q8 and q4 weights in both orientations, batched, at offsets, and with B resident in a shared
 * arena or copied in; the pool starts and stops; an idle pool does not keep a process alive.
 */

const backend = createCpuBackend();
afterAll(() => setCpuThreads(1));

const wavy = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => Math.sin(i * 0.37 + seed) * 1.7 + ((i >> 5) % 3) * 0.1);
const bits = (t: Tensor) => [...new Uint32Array((t.dataSync() as Float32Array).slice().buffer)];

const DTYPES: DType[] = ['f32', 'bf16', 'q8', 'q4'];

/** Products of every kind, computed with whatever lanes are set now. */
function products(): number[][] {
  const out: number[][] = [];
  for (const dtype of DTYPES) {
    // n and k multiples of 32 (quantized weights need whole blocks along their rows), n not a multiple of the lanes
    const [n, k] = [1056, 384];
    const wT = tensor(wavy(n * k, 1), [n, k], { backend, dtype });
    const w = tensor(wavy(k * n, 2), [k, n], { backend, dtype });
    for (const m of [1, 3, 9, 70]) {
      const x = tensor(wavy(m * k, m), [m, k], { backend });
      out.push(bits(matmul(x, wT, { transposeB: true })));
      out.push(bits(matmul(x, w)));
    }
    // a transposed A (the weight gradient xᵀ·dy of training) through the GEMM
    const xT = tensor(wavy(k * 70, 6), [k, 70], { backend });
    out.push(bits(matmul(xT, tensor(wavy(k * n, 7), [k, n], { backend }), { transposeA: true })));
    // batched over a [2, k, n] weight: two products per call, the second at an offset
    const w2 = tensor(wavy(2 * k * n, 3), [2, k, n], { backend, dtype });
    out.push(bits(matmul(tensor(wavy(2 * 2 * k, 4), [2, 2, k], { backend }), w2)));
    out.push(bits(matmul(tensor(wavy(2 * 12 * k, 5), [2, 12, k], { backend }), w2)));
  }
  return out;
}

describe('cpu worker pool', () => {
  it('runs GEMV and GEMM on 3 lanes bit for bit as on one', async () => {
    await setCpuThreads(1);
    expect(cpuThreads()).toBe(1);
    const one = products();
    expect(await setCpuThreads(3)).toBe(3);
    const pool = cpuPool();
    expect(pool?.lanes).toBe(3);
    const before = pool?.jobs ?? 0;
    const three = products();
    // every product of more than 2^22 multiply-adds (all but the four m = 9) went through the pool
    expect(pool?.jobs ?? 0).toBeGreaterThanOrEqual(before + 32);
    expect(three.length).toBe(one.length);
    for (const [i, got] of three.entries()) expect(got, `product ${i}`).toEqual(one[i]);
  }, 120_000);

  it('runs latentAttention on 3 lanes bit for bit as on one (heads in groups of four, chunks of rows)', async () => {
    // 2B-like: 16 heads over a cache of 576-wide rows, 3000 rows (two chunks), f32 and bf16; and 6 heads (one
    // group with a remainder, not split)
    const attend = () =>
      (['f32', 'bf16'] as const).flatMap((dtype) =>
        [16, 6].map((heads) => {
          const rows = tensor(wavy(3000 * 576, heads), [3000, 576], { backend });
          const cache = dtype === 'f32' ? rows : cast(rows, 'bf16');
          const q = tensor(wavy(heads * 576, 9), [heads, 576], { backend });
          return bits(latentAttention(q, cache, { length: 2999, valueDim: 512, scale: 0.07 }));
        }),
      );
    await setCpuThreads(1);
    const one = attend();
    await setCpuThreads(3);
    const before = cpuPool()?.jobs ?? 0;
    const three = attend();
    expect(cpuPool()?.jobs ?? 0).toBeGreaterThanOrEqual(before + 4); // the 16-head cases went through the pool
    for (const [i, got] of three.entries()) expect(got, `case ${i}`).toEqual(one[i]);
  }, 120_000);

  it('stops and restarts', async () => {
    await setCpuThreads(2);
    const pool = cpuPool();
    expect(cpuThreads()).toBe(2);
    await setCpuThreads(1);
    expect(cpuPool()).toBeNull();
    expect(() => pool?.run(1, () => {})).toThrow(/stopped/);
    expect(await setCpuThreads(2)).toBe(2);
    expect(cpuPool()).not.toBe(pool);
  }, 60_000);

  it('refuses a lane count that is not a positive integer', async () => {
    await expect(setCpuThreads(0)).rejects.toThrow(/positive integer/);
    await expect(setCpuThreads(1.5)).rejects.toThrow(/positive integer/);
    const saved = process.env.AGENTLM_THREADS;
    process.env.AGENTLM_THREADS = 'many';
    try {
      await expect(setCpuThreads()).rejects.toThrow(/AGENTLM_THREADS must be a positive integer, got 'many'/);
    } finally {
      if (saved === undefined) delete process.env.AGENTLM_THREADS;
      else process.env.AGENTLM_THREADS = saved;
    }
  });

  it('lets a process exit with its workers idle', () => {
    const index = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const script = `
      import { createCpuBackend, matmul, setCpuThreads, tensor } from ${JSON.stringify(index)};
      await setCpuThreads(2);
      const backend = createCpuBackend();
      const w = tensor(new Float32Array(512 * 512).fill(1), [512, 512], { backend, dtype: 'q8' });
      const y = matmul(tensor(new Float32Array(512).fill(1), [1, 512], { backend }), w, { transposeB: true });
      console.log(y.dataSync()[0]);`;
    const run = spawnSync(tsx, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(run.signal).toBeNull(); // not killed by the timeout: it exited
    expect(run.stderr).toBe('');
    expect(Math.round(Number(run.stdout))).toBe(512);
    expect(run.status).toBe(0);
  }, 120_000);
});
