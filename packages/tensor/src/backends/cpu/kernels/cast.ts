import type { Storage } from '../../../backend.js';
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../../dtype.js';
import { dequantize, isQuantized } from '../../../quant.js';
import { raw } from '../storage.js';

/** Elements [start, end) (block-aligned for q8/q4) of any float storage decoded to a Float32Array. */
export function toFloatArray(s: Storage, start = 0, end = s.size): Float32Array {
  const src = raw(s);
  if (isQuantized(s.dtype)) {
    return dequantize(src as Uint8Array, s.dtype, s.size, start, end, new Float32Array(end - start));
  }
  if (s.dtype === 'f32' || s.dtype === 'i32') return Float32Array.from(src.subarray(start, end));
  const decode = s.dtype === 'f16' ? f16BitsToF32 : bf16BitsToF32;
  const out = new Float32Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = decode(src[i]);
  return out;
}

export function cast(x: Storage, out: Storage): void {
  const dst = raw(out);
  const values = x.dtype === 'f32' || x.dtype === 'i32' ? raw(x) : toFloatArray(x);
  if (out.dtype === 'f16' || out.dtype === 'bf16') {
    const encode = out.dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
    for (let i = 0; i < dst.length; i++) dst[i] = encode(values[i]);
  } else if (out.dtype === 'i32') {
    for (let i = 0; i < dst.length; i++) dst[i] = Math.trunc(values[i]);
  } else {
    dst.set(values);
  }
}
