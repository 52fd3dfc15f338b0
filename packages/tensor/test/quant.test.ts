import { describe, expect, it } from 'vitest';
import {
  createCpuBackend,
  crossEntropy,
  dequantize,
  f16BitsToF32,
  gather,
  linearCrossEntropy,
  matmul,
  QUANT_BLOCK,
  type QuantizedDType,
  quantize,
  quantLayout,
  ShapeError,
  storageBytes,
  tensor,
} from '../src/index.js';

/** Deterministic weight-like values: mostly small, with an outlier every 97 elements. */
function weights(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => {
    const base = Math.sin(i * 0.377 + seed) * Math.cos(i * 0.0131 + 2 * seed) * 0.05;
    return i % 97 === 13 ? base * 20 : base;
  });
}

const schemes: QuantizedDType[] = ['q8', 'q4'];

describe('quantization layout', () => {
  it('sizes the planes as documented', () => {
    expect(quantLayout(64, 'q8')).toEqual({ scales: 64, mins: -1, bytes: 68 });
    // one block: the 2-byte scale plane is padded to a word
    expect(quantLayout(32, 'q4')).toEqual({ scales: 16, mins: 20, bytes: 24 });
    expect(storageBytes(4096, 'q8')).toBe(4096 + 256);
    expect(storageBytes(4096, 'q4')).toBe(2048 + 256 + 256);
  });

  it('puts element j and j + 16 of a q4 block in the low and high nibble of byte j', () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => i);
    const bytes = quantize(values, 'q4');
    // min 0, d = 31/15 rounded to f16: element i quantizes to round(i / d)
    const d = f16BitsToF32(new DataView(bytes.buffer).getUint16(16, true));
    for (let j = 0; j < 16; j++) {
      expect(bytes[j] & 15).toBe(Math.round(j / d));
      expect(bytes[j] >> 4).toBe(Math.round((j + 16) / d));
    }
  });
});

describe.each(schemes)('%s round trip', (dtype) => {
  it('stays within half a step of every block', () => {
    const values = weights(32 * 40, 1);
    const bytes = quantize(values, dtype);
    const back = dequantize(bytes, dtype, values.length, 0, values.length, new Float64Array(values.length));
    const view = new DataView(bytes.buffer);
    const { scales } = quantLayout(values.length, dtype);
    for (let b = 0; b < values.length / QUANT_BLOCK; b++) {
      const d = f16BitsToF32(view.getUint16(scales + 2 * b, true));
      let hi = 0;
      for (let i = b * QUANT_BLOCK; i < (b + 1) * QUANT_BLOCK; i++) {
        hi = Math.max(hi, Math.abs(values[i]));
        // half a step, plus the f16 rounding of d (and m) spread over at most 127 (15) steps
        expect(Math.abs(back[i] - values[i])).toBeLessThanOrEqual(d / 2 + hi * 2 ** -10);
      }
    }
  });

  it('keeps an all-zero block exact', () => {
    const back = dequantize(quantize(new Float32Array(32), dtype), dtype, 32, 0, 32, new Float32Array(32));
    expect([...back]).toEqual(new Array(32).fill(0));
  });

  it('dequantizes a block-aligned range alone', () => {
    const values = weights(32 * 6, 2);
    const bytes = quantize(values, dtype);
    const all = dequantize(bytes, dtype, values.length, 0, values.length, new Float32Array(values.length));
    const part = dequantize(bytes, dtype, values.length, 64, 160, new Float32Array(96));
    expect([...part]).toEqual([...all.subarray(64, 160)]);
  });
});

describe.each(schemes)('%s tensors on the f64 reference', (dtype) => {
  const backend = createCpuBackend({ float64: true });

  it('reads back dequantized', async () => {
    const values = weights(64 * 3, 3);
    const t = tensor(values, [3, 64], { dtype, backend });
    const want = dequantize(
      quantize(values, dtype),
      dtype,
      values.length,
      0,
      values.length,
      new Float32Array(192),
    );
    expect([...(await t.data())]).toEqual([...want]);
    const packed = tensor(quantize(values, dtype), [3, 64], { dtype, backend });
    expect([...(await packed.data())]).toEqual([...want]);
  });

  it('refuses shapes that do not end in whole blocks, and wrong packed sizes', () => {
    expect(() => tensor(new Float32Array(48), [48], { dtype, backend })).toThrow(ShapeError);
    expect(() => tensor(new Uint8Array(10), [32], { dtype, backend })).toThrow(/bytes are not a packed/);
  });

  it('refuses ops that cannot read it in place', () => {
    const t = tensor(weights(64, 4), [2, 32], { dtype, backend });
    expect(() => t.add(t)).toThrow(ShapeError);
    expect(() => t.slice([0, 0], [2, 16]).contiguous()).toThrow(/read in place or not at all/);
  });

  it('is accepted by matmul (x @ Wᵀ and x @ W) and gather as its dequantized values', async () => {
    const [n, k] = [64, 96];
    const w = weights(n * k, 5);
    const wq = tensor(w, [n, k], { dtype, backend });
    const wf = wq.cast('f32');
    const x = tensor(weights(3 * k, 6), [3, k], { backend });
    expect([...(await matmul(x, wq, { transposeB: true }).data())]).toEqual([
      ...(await matmul(x, wf, { transposeB: true }).data()),
    ]);
    const xn = tensor(weights(2 * n, 7), [2, n], { backend });
    expect([...(await matmul(xn, wq).data())]).toEqual([...(await matmul(xn, wf).data())]);
    const ids = tensor(new Int32Array([5, 0, 63, 5]), [4], { backend });
    expect([...(await gather(wq, ids).data())]).toEqual([...(await gather(wf, ids).data())]);
  });

  it('is accepted as the fused head of linearCrossEntropy (the loss of a quantized model)', async () => {
    const [v, d] = [64, 32];
    const wq = tensor(weights(v * d, 8), [v, d], { dtype, backend });
    const x = tensor(weights(3 * d, 9), [3, d], { backend });
    const targets = tensor(new Int32Array([1, 40, 63]), [3], { backend });
    const fused = await linearCrossEntropy(x, wq, targets).data();
    const plain = await crossEntropy(matmul(x, wq.cast('f32'), { transposeB: true }), targets).data();
    expect(fused[0]).toBeCloseTo(plain[0] as number, 12);
  });
});
