import type { Storage } from '../../../backend.js';
import { type KernelContext, launch, partsOf } from '../context.js';
import { ENTRY_1D, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

const CODE = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}
${output('out', 1, 'u32')}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i < pu(0u)) { out[i] = pu(1u); }
}`;

/**
 * out[i] = value; the value's 32-bit pattern is written, so one kernel serves f32 and i32. f16/bf16 take the
 * element's 16-bit pattern (what `full` passes), written into both halves of each word. A split out is
 * filled part by part.
 */
export function fill(ctx: KernelContext, out: Storage, value: number): void {
  if (out.size === 0) return;
  const half = out.dtype === 'f16' || out.dtype === 'bf16';
  for (const { storage } of partsOf(out)) {
    const words = half ? Math.ceil(storage.size / 2) : storage.size;
    const p = new Params().u(words);
    if (half) p.u((value & 0xffff) * 0x10001);
    else if (out.dtype === 'i32') p.u(value | 0);
    else p.f(value);
    launch(ctx, 'fill', CODE, p, [storage], threads(words));
  }
}
