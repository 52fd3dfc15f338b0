import type { Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { planeWords } from '../quant-wgsl.js';
import { ENTRY_1D, input, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/** out [n, dim] = table[ids[i]] (table f32, f16, bf16, or q8/q4 dequantized; out f32), one thread per output element. */
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
${input('table', 1, table.dtype, 2)}
@group(0) @binding(2) var<storage, read> ids: array<i32>;
${output('out', 3)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let dim = pu(1u);
  out[i] = ld_table(u32(ids[i / dim]) * dim + i % dim);
}`;
  launch(
    ctx,
    'gather',
    code,
    new Params().u(n * dim, dim, ...planeWords(table)),
    [table, ids, out],
    threads(n * dim),
  );
}
