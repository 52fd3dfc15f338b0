/// <reference types="@webgpu/types" />
import { type DType, storageBytes } from '../../backend.js';
import { DeviceError } from '../../errors.js';
import { isQuantized, QUANT_BLOCK, quantLayout } from '../../quant.js';
import { GPUStorage, SplitStorage, type StoragePart } from './context.js';
import { align } from './encoder.js';
import type { BufferPool } from './pool.js';

/**
 * Storages bigger than one binding (WebGPU's maxStorageBufferBindingSize: 128 MiB by default, all that
 * lavapipe and SwiftShader offer). Such a storage is cut into parts of whole rows (`rowSize` elements, the
 * outer dimension) and of whole cut units, each part at most the per-buffer limit and laid out as a storage
 * of its own: a q8/q4 part has its own codes, scales and mins planes. The byte layout that `write` and
 * `upload` address stays the whole storage's (src/quant.ts); `planes` maps it onto the parts.
 */

/**
 * Element granularity of a cut: every part boundary falls on a 4-byte boundary of every plane, which is what
 * queue.writeBuffer requires: two 16-bit elements, or two q8/q4 blocks (their f16 scales share a word). Float
 * storages are cut on even elements whatever their width, so that a cast between two split storages never
 * starts a run of packed 16-bit output mid-word (kernels/cast.ts).
 */
const cutUnit = (dtype: DType) => (isQuantized(dtype) ? 2 * QUANT_BLOCK : 2);

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Elements per part of a split storage (whole rows and units, at most `maxBytes`), or a DeviceError. */
function partElements(size: number, dtype: DType, rowSize: number, maxBytes: number): number {
  const unit = cutUnit(dtype);
  const step = (rowSize / gcd(rowSize, unit)) * unit;
  const stepBytes = storageBytes(step, dtype);
  let elements = Math.floor(maxBytes / (stepBytes / step) / step) * step;
  while (elements > 0 && align(storageBytes(elements, dtype), 4) > maxBytes) elements -= step;
  if (elements === 0) {
    throw new DeviceError(
      `alloc of ${size} ${dtype} elements (${storageBytes(size, dtype)} bytes): over one buffer of ${maxBytes} bytes, it is cut between rows of ${rowSize} elements in steps of ${step} elements (${stepBytes} bytes), more than one buffer holds`,
    );
  }
  return elements;
}

/** Allocates a storage of `size` elements over buffers of at most `maxBytes` each (see the file comment). */
export function allocSplit(
  pool: BufferPool,
  size: number,
  dtype: DType,
  rowSize: number,
  maxBytes: number,
): SplitStorage {
  const per = partElements(size, dtype, rowSize, maxBytes);
  const parts: StoragePart[] = [];
  try {
    for (let start = 0; start < size; start += per) {
      const n = Math.min(per, size - start);
      parts.push({
        start,
        storage: new GPUStorage(n, dtype, pool.acquire(align(storageBytes(n, dtype), 4))),
      });
    }
  } catch (e) {
    for (const p of parts) pool.release(p.storage.buffer);
    throw e;
  }
  return new SplitStorage(size, dtype, parts, maxBytes);
}

/**
 * The planes of a storage of `size` elements of `dtype`: byte offset of each, and bytes per QUANT_BLOCK
 * elements (an f32 storage is one plane of 128 bytes per 32 elements; a q4 storage three planes).
 */
function planes(size: number, dtype: DType): { offset: number; perBlock: number }[] {
  if (!isQuantized(dtype)) return [{ offset: 0, perBlock: storageBytes(QUANT_BLOCK, dtype) }];
  const { scales, mins } = quantLayout(size, dtype);
  const codes = { offset: 0, perBlock: dtype === 'q8' ? QUANT_BLOCK : QUANT_BLOCK / 2 };
  const halves = (offset: number) => ({ offset, perBlock: 2 });
  return dtype === 'q8' ? [codes, halves(scales)] : [codes, halves(scales), halves(mins)];
}

/**
 * Writes `bytes` at `byteOffset` of the whole storage's layout into the parts that hold them: each plane's
 * bytes of a part's element range go to the same plane of the part's own layout.
 */
export function writeSplit(queue: GPUQueue, s: SplitStorage, byteOffset: number, bytes: Uint8Array): void {
  const end = byteOffset + bytes.byteLength;
  const whole = planes(s.size, s.dtype);
  for (const part of s.parts) {
    const own = planes(part.storage.size, s.dtype);
    whole.forEach((plane, i) => {
      const from = plane.offset + (part.start * plane.perBlock) / QUANT_BLOCK;
      const to = from + (part.storage.size * plane.perBlock) / QUANT_BLOCK;
      const lo = Math.max(from, byteOffset);
      const hi = Math.min(to, end);
      if (hi <= lo) return;
      let piece = bytes.subarray(lo - byteOffset, hi - byteOffset);
      // a part's last plane may end mid-word (an odd count of 16-bit values); its buffer has the word
      if (piece.byteLength % 4 !== 0) {
        const padded = new Uint8Array(align(piece.byteLength, 4));
        padded.set(piece);
        piece = padded;
      }
      const at = own[i].offset + (lo - from);
      queue.writeBuffer(part.storage.buffer, at, piece.buffer, piece.byteOffset, piece.byteLength);
    });
  }
}
