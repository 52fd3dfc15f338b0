import { QUANT_BLOCK, type QuantizedDType, quantize, quantLayout } from '@agentlm/tensor';
import type { TensorEntry } from './safetensors.js';
import type { BandScratch } from './weight-stream.js';
import type { WeightSpec } from './weights.js';

/**
 * How a quantized weight is stored in a safetensors checkpoint, and how that maps onto the tensor package's
 * in-memory layout (packages/tensor/src/quant.ts). A weight `W` [rows, cols] quantized to
 *   q8 is stored as  W        I8  [rows, cols]       the int8 values
 *                    W_scale  F16 [rows, cols / 32]  one scale per block of 32 along cols
 *   q4 is stored as  W        U8  [rows, cols / 2]   byte j of a block: element j (low nibble), j + 16 (high)
 *                    W_scale  F16 [rows, cols / 32]
 *                    W_min    F16 [rows, cols / 32]  one minimum per block
 * These are exactly the planes of the in-memory layout, cut at the same boundaries, so a load copies each
 * stored tensor into its plane and nothing is re-packed. `quantization_config` in config.json records the
 * format for people and tools; each tensor's stored dtype is what the loader goes by.
 */
export const SCALE_SUFFIX = '_scale';
export const MIN_SUFFIX = '_min';

/** `quantization_config` of a quantized checkpoint's config.json. */
export interface QuantizationConfig {
  /** The linear layers' format; the embedding (and so the tied head) is q8 in both (see quantFormatFor). */
  format: QuantizedDType;
  groupSize: number;
}

/**
 * The format a weight takes when a model is quantized to `format`, or null when it keeps a float dtype: RMSNorm
 * weights stay f32, and so does a weight whose rows are not whole blocks. The token embedding, which is also the
 * tied output head, and an untied head take q8 even at q4: the head turns every quantization error into a logit
 * error, so llama.cpp likewise keeps its output layer at higher precision (and q8's embedding rows cost one byte
 * per value, read once per token by the gather).
 */
export function quantFormatFor(spec: WeightSpec, format: QuantizedDType): QuantizedDType | null {
  if (spec.kind === 'norm' || spec.shape.length !== 2 || spec.shape[1] % QUANT_BLOCK !== 0) return null;
  return spec.kind === 'embedding' || spec.name === 'lm_head.weight' ? 'q8' : format;
}

/** One stored tensor of a quantized weight: its name, safetensors dtype and shape, and its plane's byte offset. */
export interface PlaneEntry {
  name: string;
  dtype: 'I8' | 'U8' | 'F16';
  shape: [number, number];
  /** Byte offset of this plane in the in-memory layout. */
  offset: number;
}

/** The stored tensors of `spec` quantized to `format`, in plane order (values, scales, q4's minimums). */
export function planeEntries(spec: WeightSpec, format: QuantizedDType): PlaneEntry[] {
  const [rows, cols] = spec.shape as [number, number];
  const layout = quantLayout(rows * cols, format);
  const blocks: [number, number] = [rows, cols / QUANT_BLOCK];
  const planes: PlaneEntry[] = [
    format === 'q8'
      ? { name: spec.name, dtype: 'I8', shape: [rows, cols], offset: 0 }
      : { name: spec.name, dtype: 'U8', shape: [rows, cols / 2], offset: 0 },
    { name: spec.name + SCALE_SUFFIX, dtype: 'F16', shape: blocks, offset: layout.scales },
  ];
  if (format === 'q4')
    planes.push({ name: spec.name + MIN_SUFFIX, dtype: 'F16', shape: blocks, offset: layout.mins });
  return planes;
}

/** The quantized format of a stored weight, from its entry's dtype (I8: q8, U8: q4); null for a float entry. */
export function storedFormat(entry: TensorEntry): QuantizedDType | null {
  return entry.dtype === 'I8' ? 'q8' : entry.dtype === 'U8' ? 'q4' : null;
}

/**
 * Rows [row0, row0 + values.length / cols) of a weight [rows, cols] quantized: each plane's bytes and their byte
 * offset in the whole weight's in-memory layout (row0 a multiple of 4, so every offset is word-aligned). The
 * bytes are views of `scratch` when given (reused by the next band: write them out first).
 */
export function quantizeRows(
  values: Float32Array,
  row0: number,
  spec: WeightSpec,
  format: QuantizedDType,
  scratch?: BandScratch,
): { offset: number; bytes: Uint8Array }[] {
  const cols = spec.shape[1] as number;
  const band = quantLayout(values.length, format);
  const packed = quantize(values, format, scratch?.packed(band.bytes));
  const scaleBytes = (2 * values.length) / QUANT_BLOCK;
  const valueBytes = format === 'q8' ? values.length : values.length / 2;
  const rowStart = [format === 'q8' ? row0 * cols : (row0 * cols) / 2, (2 * row0 * cols) / QUANT_BLOCK];
  return planeEntries(spec, format).map((plane, i) => {
    const from = i === 0 ? 0 : i === 1 ? band.scales : band.mins;
    const length = i === 0 ? valueBytes : scaleBytes;
    return { offset: plane.offset + rowStart[Math.min(i, 1)], bytes: packed.subarray(from, from + length) };
  });
}
