/**
 * Array conversions between f32 and the 16-bit storage formats of checkpoints; the per-value bf16/f16
 * conversions (round to nearest even) are the tensor package's, so checkpoints and devices agree bit for bit.
 */

/** Decodes 16-bit words into f32 with `convert` (into `out` when given). */
export function halfToF32(
  words: Uint16Array,
  convert: (h: number) => number,
  out: Float32Array<ArrayBufferLike> = new Float32Array(words.length),
): Float32Array {
  for (let i = 0; i < words.length; i++) out[i] = convert(words[i]);
  return out;
}

/** Encodes f32 values as 16-bit words with `convert`. */
export function f32ToHalf(values: ArrayLike<number>, convert: (x: number) => number): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = convert(values[i]);
  return out;
}
