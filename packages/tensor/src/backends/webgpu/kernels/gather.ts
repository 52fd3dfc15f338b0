import type { Storage } from '../../../backend.js';
import { DeviceError } from '../../../errors.js';
import { type KernelContext, launch, partsOf } from '../context.js';
import { planeWords } from '../quant-wgsl.js';
import { ENTRY_1D, input, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/**
 * out [n, dim] = table[ids[i]] (table f32, f16, bf16, or q8/q4 dequantized; out f32), one thread per output
 * element. A table split over several buffers (split.ts) is gathered part by part: each dispatch writes the
 * rows whose ids fall in its part's row range [row0, row1) and leaves the others to the other parts.
 */
export function gather(
  ctx: KernelContext,
  table: Storage,
  ids: Storage,
  out: Storage,
  n: number,
  dim: number,
): void {
  if (n * dim === 0) return;
  const code = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
${input('table', 1, table.dtype, 4)}
@group(0) @binding(2) var<storage, read> ids: array<i32>;
${output('out', 3)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let dim = pu(1u);
  let row = u32(ids[i / dim]);
  if (row < pu(2u) || row >= pu(3u)) { return; }
  out[i] = ld_table((row - pu(2u)) * dim + i % dim);
}`;
  const parts = partsOf(table);
  for (const { start, storage } of parts) {
    if (start % dim !== 0 || storage.size % dim !== 0) {
      throw new DeviceError(
        `gather: the ${table.dtype} table of ${table.size} elements is split into parts of ${parts[0].storage.size} elements, not whole rows of ${dim}`,
      );
    }
    const row0 = start / dim;
    launch(
      ctx,
      'gather',
      code,
      new Params().u(n * dim, dim, row0, row0 + storage.size / dim, ...planeWords(storage)),
      [storage, ids, out],
      threads(n * dim),
    );
  }
}
