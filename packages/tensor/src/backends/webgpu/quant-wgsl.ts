import type { Storage } from '../../backend.js';
import { isQuantized, type QuantizedDType, quantLayout } from '../../quant.js';

/**
 * WGSL readers of q8/q4 storages (byte layout: src/quant.ts). The storage is bound as u32 words; the word
 * offsets of its scales and mins planes, which depend on the storage's size, are two parameter words of the
 * kernel (`planeWords`), so one pipeline serves every weight of a dtype. Everything is computed in f32 from
 * integer words: the f16 scales and minimums go through unpack2x16float (core WGSL, no shader-f16) and int8
 * is sign-extended by shifts (portable where the packed-integer builtins such as unpack4xI8 are missing).
 */

/** The two parameter words a quantized loader reads: word offsets of the scales and mins planes (0 if none). */
export function planeWords(s: Storage): [number, number] {
  if (!isQuantized(s.dtype)) return [0, 0];
  const { scales, mins } = quantLayout(s.size, s.dtype);
  return [scales / 4, Math.max(0, mins) / 4];
}

/**
 * (Included by quantInput.) Functions on four packed quantized values: `q8x4(w)` the four int8 of word w, low byte first; `q4x4(w)`
 * the low nibbles of w's four bytes (shift w right by 4 first for the high nibbles).
 */
export const QUANT_UNPACK_WGSL = /* wgsl */ `
fn q8x4(w: u32) -> vec4<f32> {
  // each byte is moved to the top of an i32 and shifted back arithmetically: sign extension
  return vec4<f32>(bitcast<vec4<i32>>(vec4<u32>(w << 24u, w << 16u, w << 8u, w)) >> vec4<u32>(24u));
}
fn q4x4(w: u32) -> vec4<f32> {
  return vec4<f32>((vec4<u32>(w) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(15u));
}
`;

/**
 * Declares binding `binding` as the words `name` of a `dtype` storage and defines, for element i:
 * `ld_<name>(i) -> f32`, and `ld4_<name>(i) -> vec4<f32>` for elements i .. i+3 (i % 4 == 0: they share
 * one word and one block), `raw4_<name>(i)` their integer codes (ld4 = raw4 · scale + min); for block b, `scale_<name>(b)` (and q4's `min_<name>(b)`). `slot` is the first
 * of the two parameter words from `planeWords`. With `vec4Words` the binding is array<vec4<u32>>, for
 * kernels that read whole blocks (16 bytes per load).
 */
export function quantInput(
  name: string,
  binding: number,
  dtype: QuantizedDType,
  slot: number,
  vec4Words = false,
): string {
  const decl = `${QUANT_UNPACK_WGSL}@group(0) @binding(${binding}) var<storage, read> ${name}: array<${vec4Words ? 'vec4<u32>' : 'u32'}>;
fn word_${name}(i: u32) -> u32 { return ${vec4Words ? `${name}[i >> 2u][i & 3u]` : `${name}[i]`}; }
fn scale_${name}(b: u32) -> f32 { return unpack2x16float(word_${name}(pu(${slot}u) + (b >> 1u)))[b & 1u]; }`;
  if (dtype === 'q8') {
    return `${decl}
fn ld_${name}(i: u32) -> f32 {
  let q = bitcast<i32>(word_${name}(i >> 2u) << (24u - 8u * (i & 3u))) >> 24u;
  return f32(q) * scale_${name}(i >> 5u);
}
fn raw4_${name}(i: u32) -> vec4<f32> { return q8x4(word_${name}(i >> 2u)); }
fn ld4_${name}(i: u32) -> vec4<f32> { return raw4_${name}(i) * scale_${name}(i >> 5u); }`;
  }
  // q4: element j of block b is in the low (j < 16) or high nibble of byte j % 16 of the block's 16 bytes
  return `${decl}
fn min_${name}(b: u32) -> f32 { return unpack2x16float(word_${name}(pu(${slot + 1}u) + (b >> 1u)))[b & 1u]; }
fn nibbles_${name}(i: u32) -> u32 {
  let j = i & 31u;
  return word_${name}((i >> 5u) * 4u + ((j & 15u) >> 2u)) >> select(0u, 4u, j >= 16u);
}
fn ld_${name}(i: u32) -> f32 {
  let q = (nibbles_${name}(i) >> (8u * (i & 3u))) & 15u;
  return fma(f32(q), scale_${name}(i >> 5u), min_${name}(i >> 5u));
}
fn raw4_${name}(i: u32) -> vec4<f32> { return q4x4(nibbles_${name}(i)); }
fn ld4_${name}(i: u32) -> vec4<f32> {
  return fma(raw4_${name}(i), vec4<f32>(scale_${name}(i >> 5u)), vec4<f32>(min_${name}(i >> 5u)));
}`;
}
