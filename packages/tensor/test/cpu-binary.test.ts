import { describe, expect, it } from 'vitest';
import type { BinaryOp, View } from '../src/backend.js';
import { createCpuBackend } from '../src/index.js';

/**
 * The CPU binary kernel's fast paths (wasm SIMD rows, per-op loops) against the f64-then-f32 arithmetic
 * of the Backend contract, bit for bit: dense same-shape data across staging blocks with an odd tail,
 * a broadcast scalar on either side, a broadcast row, and a transposed view (the strided loop).
 */
describe('cpu binary fast paths', () => {
  const backend = createCpuBackend();
  const f32 = (data: Float32Array) => {
    const s = backend.alloc(data.length, 'f32');
    backend.upload(s, data);
    return s;
  };
  const OPS: Record<string, (x: number, y: number) => number> = {
    add: (x, y) => x + y,
    sub: (x, y) => x - y,
    mul: (x, y) => x * y,
    div: (x, y) => x / y,
  };
  const [rows, cols] = [3, 8192 + 7];
  const a = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i) * 3);
  const b = Float32Array.from({ length: rows * cols }, (_, i) => Math.cos(0.7 * i) + (i % 5 === 0 ? 0 : 0.1));
  const av = f32(a);
  const bv = f32(b);
  const cases: [string, View, View, (i: number, j: number) => [number, number]][] = [
    [
      'same shape',
      { storage: av, offset: 0, strides: [cols, 1] },
      { storage: bv, offset: 0, strides: [cols, 1] },
      (i, j) => [a[i * cols + j], b[i * cols + j]],
    ],
    [
      'scalar b',
      { storage: av, offset: 0, strides: [cols, 1] },
      { storage: bv, offset: 5, strides: [0, 0] },
      (i, j) => [a[i * cols + j], b[5]],
    ],
    [
      'scalar a',
      { storage: av, offset: 2, strides: [0, 0] },
      { storage: bv, offset: 0, strides: [cols, 1] },
      (i, j) => [a[2], b[i * cols + j]],
    ],
    [
      'row b',
      { storage: av, offset: 0, strides: [cols, 1] },
      { storage: bv, offset: cols, strides: [0, 1] },
      (i, j) => [a[i * cols + j], b[cols + j]],
    ],
  ];
  for (const op of Object.keys(OPS)) {
    for (const [name, x, y, at] of cases) {
      it(`${op}: ${name}`, () => {
        const out = backend.alloc(rows * cols, 'f32');
        backend.binary(op as BinaryOp, x, y, out, [rows, cols]);
        const want = new Float32Array(rows * cols);
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < cols; j++) want[i * cols + j] = OPS[op](...at(i, j));
        expect(backend.readSync?.(out)).toEqual(want);
      });
    }
  }

  it('a transposed view takes the strided loop', () => {
    const [r, c] = [70, 90];
    const out = backend.alloc(r * c, 'f32');
    backend.binary(
      'mul',
      { storage: av, offset: 0, strides: [1, r] },
      { storage: bv, offset: 0, strides: [c, 1] },
      out,
      [r, c],
    );
    const want = Float32Array.from({ length: r * c }, (_, k) => a[(k % c) * r + Math.floor(k / c)] * b[k]);
    expect(backend.readSync?.(out)).toEqual(want);
  });
});
