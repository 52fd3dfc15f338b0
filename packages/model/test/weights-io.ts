import { encodeTensor, writeSafetensors } from '../src/index.js';

/** Writes `specs` as one F32 safetensors file, with the given values or zeros (fixtures and error cases). */
export function writeF32Weights(
  path: string,
  specs: readonly { name: string; shape: readonly number[] }[],
  weights?: Map<string, Float32Array>,
): Promise<void> {
  return writeSafetensors(
    path,
    specs.map((s) => ({
      name: s.name,
      dtype: 'F32' as const,
      shape: s.shape,
      bytes: () =>
        encodeTensor(weights?.get(s.name) ?? new Float32Array(s.shape.reduce((a, b) => a * b, 1)), 'F32'),
    })),
  );
}
