import {
  type DType,
  dequantize,
  isQuantized,
  type QuantizedDType,
  storageBytes,
  type Tensor,
} from '@agentlm/tensor';
import { CheckpointError } from './errors.js';
import { planeEntries, quantFormatFor, quantizeRows, storedFormat } from './quantized.js';
import { type Checkpoint, encodeTensor, type TensorEntry } from './safetensors.js';
import { type BandScratch, checkFinite, decodeBand, rowBands } from './weight-stream.js';
import { numel, type WeightSpec } from './weights.js';

/** How one weight goes from its stored form to its storage on the device. */
export interface WeightPlan {
  spec: WeightSpec;
  /** The stored values (for a quantized weight, its values plane). */
  entry: TensorEntry;
  /** The quantized format it is stored in, or null for a float tensor. */
  stored: QuantizedDType | null;
  /** The storage dtype on the device. */
  target: DType;
}

const DEVICE_DTYPE = { F32: 'f32', F64: 'f32', F16: 'f16', BF16: 'bf16' } as const;
const STORED_DTYPE = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const;

/** The device dtype of a weight: `dtype` when asked (see LoadOptions.dtype), else the checkpoint's own. */
export function planWeight(spec: WeightSpec, entry: TensorEntry, dtype: DType | undefined): WeightPlan {
  const stored = storedFormat(entry);
  const own: DType = stored ?? DEVICE_DTYPE[entry.dtype as keyof typeof DEVICE_DTYPE];
  let target: DType = own;
  if (spec.kind === 'norm') target = 'f32';
  else if (dtype !== undefined && isQuantized(dtype)) target = quantFormatFor(spec, dtype) ?? own;
  else if (dtype !== undefined) target = dtype;
  if (stored !== null && isQuantized(target) && target !== stored) {
    throw new CheckpointError(
      `is stored ${stored}; re-quantizing it to ${target} would compound the error: quantize the float checkpoint instead`,
      entry.file,
      spec.name,
      'DTYPE',
    );
  }
  return { spec, entry, stored, target };
}

/**
 * Streams one weight from the checkpoint into `t` (an empty tensor of the plan's dtype), band by band: stored
 * bytes go straight in where the encodings match (a quantized weight's planes, bf16 into bf16), else each band is
 * converted or quantized on the way. Bands are checked for non-finite values unless `finite` is false.
 */
export async function streamWeight(
  ckpt: Checkpoint,
  plan: WeightPlan,
  t: Tensor,
  finite: boolean,
  scratch: BandScratch,
): Promise<void> {
  const { backend, storage } = t;
  const { spec, entry, stored, target } = plan;
  if (stored !== null && target === stored) {
    for (const plane of planeEntries(spec, stored)) {
      const planeEntry = ckpt.entries.get(plane.name) as TensorEntry;
      const rowBytes = planeEntry.byteLength / plane.shape[0];
      for await (const band of rowBands(ckpt, planeEntry, scratch, { checkFinite: finite })) {
        backend.write(storage, plane.offset + band.row0 * rowBytes, band.bytes);
      }
    }
    return;
  }
  if (stored !== null) {
    backend.write(storage, 0, encode(await readDequantized(ckpt, spec, stored, finite), target));
    return;
  }
  const cols = numel(spec.shape) / (spec.shape.length > 1 ? (spec.shape[0] as number) : 1);
  const elementBytes = isQuantized(target) ? 0 : storageBytes(1, target);
  for await (const band of rowBands(ckpt, entry, scratch, { checkFinite: finite })) {
    const at = band.row0 * cols * elementBytes;
    if (STORED_DTYPE[target as keyof typeof STORED_DTYPE] === entry.dtype) {
      backend.write(storage, at, band.bytes);
      continue;
    }
    const values = decodeBand(band, entry, scratch);
    if (isQuantized(target)) {
      for (const plane of quantizeRows(values, band.row0, spec, target, scratch))
        backend.write(storage, plane.offset, plane.bytes);
    } else {
      backend.write(storage, at, encode(values, target));
    }
  }
}

/** A quantized weight read whole and dequantized on the host (loading a quantized checkpoint as floats). */
async function readDequantized(
  ckpt: Checkpoint,
  spec: WeightSpec,
  format: QuantizedDType,
  finite: boolean,
): Promise<Float32Array> {
  const size = numel(spec.shape);
  const packed = new Uint8Array(storageBytes(size, format));
  for (const plane of planeEntries(spec, format)) {
    const bytes = await ckpt.readRange(plane.name, 0);
    if (finite) checkFinite(bytes, ckpt.entries.get(plane.name) as TensorEntry, 0);
    packed.set(bytes, plane.offset);
  }
  return dequantize(packed, format, size, 0, size, new Float32Array(size));
}

function encode(values: Float32Array, target: DType): Uint8Array {
  return encodeTensor(values, STORED_DTYPE[target as keyof typeof STORED_DTYPE]);
}
