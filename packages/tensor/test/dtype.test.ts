import { describe, expect, it } from 'vitest';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../src/dtype.js';
import { tensor } from '../src/index.js';

describe('16-bit formats', () => {
  it('f16 round-trips exactly representable values and rounds to nearest even', () => {
    for (const x of [0, 1, -2, 0.5, 65504, 2 ** -24, -(2 ** -14)])
      expect(f16BitsToF32(f32ToF16Bits(x))).toBe(x);
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f16BitsToF32(f32ToF16Bits(1e6))).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(Number.NaN)))).toBe(true);
  });

  it('bf16 keeps the top half of an f32 with round to nearest even', () => {
    expect(f32ToBf16Bits(1)).toBe(0x3f80);
    expect(bf16BitsToF32(0x3f80)).toBe(1);
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(Number.NaN)))).toBe(true);
  });

  it('tensors store f16/bf16 and read back as f32; raw bits are accepted', () => {
    expect([...tensor([1.5, -3], [2], { dtype: 'bf16' }).dataSync()]).toEqual([1.5, -3]);
    expect([...tensor(new Uint16Array([0x3c00, 0xc000]), [2], { dtype: 'f16' }).dataSync()]).toEqual([1, -2]);
    expect(tensor([1.5, -3.7], [2], { dtype: 'i32' }).dataSync()).toEqual(new Int32Array([1, -3]));
  });
});
