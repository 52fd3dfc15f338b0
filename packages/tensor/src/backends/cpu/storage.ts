import { type DType, type Storage, storageBytes } from '../../backend.js';
import { isQuantized } from '../../quant.js';

export type FloatArray = Float32Array | Float64Array;
export type CpuArray = Float32Array | Float64Array | Int32Array | Uint16Array | Uint8Array;

/**
 * A CPU storage: f32 as Float32Array (Float64Array in reference mode), i32 as Int32Array, f16/bf16 raw bits,
 * q8/q4 their packed bytes (src/quant.ts).
 */
export interface CpuStorage extends Storage {
  readonly data: CpuArray;
}

export function floats(s: Storage): FloatArray {
  return (s as CpuStorage).data as FloatArray;
}

export function ints(s: Storage): Int32Array {
  return (s as CpuStorage).data as Int32Array;
}

export function raw(s: Storage): CpuArray {
  return (s as CpuStorage).data;
}

export function allocArray(size: number, dtype: DType, float64: boolean): CpuArray {
  if (isQuantized(dtype)) return new Uint8Array(storageBytes(size, dtype));
  if (dtype === 'i32') return new Int32Array(size);
  if (dtype === 'f16' || dtype === 'bf16') return new Uint16Array(size);
  return float64 ? new Float64Array(size) : new Float32Array(size);
}
