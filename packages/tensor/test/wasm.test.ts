import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { wasmGemm } from '../src/backends/cpu/wasm/gemm.js';
import { wasmGemv } from '../src/backends/cpu/wasm/gemv.js';

describe('WebAssembly SIMD matmul', () => {
  it('the generated modules match their .wat sources', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'])).not.toThrow();
  });

  it('loads in Node 20 and multiplies with padding on every edge', () => {
    const [m, n, k] = [5, 9, 3];
    const a = Float32Array.from({ length: m * k }, (_, i) => i - 4);
    const b = Float32Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
    const c = new Float32Array(m * n + 2).fill(7);
    const ok = wasmGemm(
      { data: a, dtype: 'f32', offset: 0, transposed: false },
      { data: b, dtype: 'f32', offset: 0, transposed: false },
      c,
      1,
      m,
      n,
      k,
    );
    expect(ok).toBe(true);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
        expect(c[1 + i * n + j]).toBe(s);
      }
    }
    expect([c[0], c[m * n + 1]]).toEqual([7, 7]);
  });

  it('matrix-vector kernels handle both B layouts and tails that do not fill a vector', () => {
    const [m, n, k] = [2, 7, 11];
    const a = Float32Array.from({ length: m * k }, (_, i) => (i % 7) - 3);
    const b = Float32Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
    for (const transposed of [false, true]) {
      const c = new Float32Array(m * n);
      expect(
        wasmGemv(
          { data: a, dtype: 'f32', offset: 0, transposed: false },
          { data: b, dtype: 'f32', offset: 0, transposed },
          c,
          0,
          m,
          n,
          k,
        ),
      ).toBe(true);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p] * (transposed ? b[j * k + p] : b[p * n + j]);
          expect(c[i * n + j]).toBe(s);
        }
      }
    }
  });
});
