import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { wasmGemm } from '../src/backends/cpu/wasm/gemm.js';

describe('WebAssembly SIMD matmul', () => {
  it('the generated module matches matmul.wat', () => {
    expect(() => execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'])).not.toThrow();
  });

  it('loads in Node 20 and multiplies with padding on every edge', () => {
    const [m, n, k] = [5, 9, 3];
    const a = Float32Array.from({ length: m * k }, (_, i) => i - 4);
    const b = Float32Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
    const c = new Float32Array(m * n + 2).fill(7);
    const ok = wasmGemm(
      { data: a, offset: 0, transposed: false },
      { data: b, offset: 0, transposed: false },
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
});
