import type { Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { ENTRY_1D, input, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/** out [n, dim] = table[ids[i]] (table f32, f16 or bf16; out f32), one thread per output element. */
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
${input('table', 1, table.dtype)}
@group(0) @binding(2) var<storage, read> ids: array<i32>;
${output('out', 3)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let dim = pu(1u);
  out[i] = ld_table(u32(ids[i / dim]) * dim + i % dim);
}`;
  launch(ctx, 'gather', code, new Params().u(n * dim, dim), [table, ids, out], threads(n * dim));
}
