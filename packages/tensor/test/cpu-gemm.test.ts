import { describe, expect, it } from 'vitest';
import { wasmGemm } from '../src/backends/cpu/wasm/gemm.js';
import { f32ToBf16Bits, f32ToF16Bits } from '../src/dtype.js';

/**
 * The wasm GEMM's packers (4x4-block transposes, row panels) on every layout and edge: m not a multiple
 * of 4 or above one m block, n not a multiple of 8, k not a multiple of 4 or above one k block, operands
 * at an offset. Small integers make every product and sum exact, so results must match exactly; stale
 * NaNs left in the module's memory by a previous call must not leak into the kept part of C.
 */

const small = (length: number, seed: number) =>
  Float32Array.from({ length }, (_, i) => ((i * 7 + seed) % 9) - 4);

function expected(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
) {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++)
        s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

const SIZES: [number, number, number][] = [
  [8, 8, 4],
  [13, 21, 7],
  [70, 9, 3],
  [9, 17, 600],
  [64, 40, 515],
];

describe('cpu wasm GEMM packing', () => {
  it('poisons the module memory with NaN first (a large product padded on every edge)', () => {
    const [m, n, k] = [37, 45, 261];
    const nan = new Float32Array(m * k).fill(Number.NaN);
    const c = new Float32Array(m * n);
    const op = (data: Float32Array) => ({ data, dtype: 'f32' as const, offset: 0, transposed: false });
    expect(wasmGemm(op(nan), op(new Float32Array(k * n).fill(Number.NaN)), c, 0, m, n, k)).toBe(true);
  });

  for (const [m, n, k] of SIZES) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`f32 [${m}, ${k}] x [${k}, ${n}] transposeA=${tA} transposeB=${tB}`, () => {
          const a = small(m * k + 3, m);
          const b = small(k * n + 5, n);
          const c = new Float32Array(m * n + 2).fill(-1);
          const ok = wasmGemm(
            { data: a, dtype: 'f32', offset: 3, transposed: tA },
            { data: b, dtype: 'f32', offset: 5, transposed: tB },
            c,
            2,
            m,
            n,
            k,
          );
          expect(ok).toBe(true);
          expect(Array.from(c.subarray(2))).toEqual(
            Array.from(expected(a.subarray(3), b.subarray(5), m, n, k, tA, tB)),
          );
          expect([c[0], c[1]]).toEqual([-1, -1]);
        });
      }
    }
  }

  it('operands larger than the 4 MiB staging area pass through it in bands', () => {
    const k = 4099;
    for (const [m, n, tA, tB] of [
      [8, 301, false, true],
      [8, 301, false, false],
      [301, 9, true, false],
    ] as const) {
      const a = small(m * k, 3);
      const b = small(k * n, 4);
      const c = new Float32Array(m * n);
      const op = (data: Float32Array, transposed: boolean) => ({
        data,
        dtype: 'f32' as const,
        offset: 0,
        transposed,
      });
      expect(wasmGemm(op(a, tA), op(b, tB), c, 0, m, n, k)).toBe(true);
      expect(Array.from(c)).toEqual(Array.from(expected(a, b, m, n, k, tA, tB)));
    }
  });

  for (const dtype of ['f16', 'bf16'] as const) {
    it(`${dtype} B is widened exactly (both layouts)`, () => {
      const [m, n, k] = [13, 21, 7];
      const encode = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
      const a = small(m * k, 1);
      const b = small(k * n, 2);
      const bits = Uint16Array.from(b, encode);
      for (const tB of [false, true]) {
        const c = new Float32Array(m * n);
        expect(
          wasmGemm(
            { data: a, dtype: 'f32', offset: 0, transposed: false },
            { data: bits, dtype, offset: 0, transposed: tB },
            c,
            0,
            m,
            n,
            k,
          ),
        ).toBe(true);
        expect(Array.from(c)).toEqual(Array.from(expected(a, b, m, n, k, false, tB)));
      }
    });
  }
});
