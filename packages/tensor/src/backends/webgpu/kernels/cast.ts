import type { Storage } from '../../../backend.js';
import { type KernelContext, launch, partsOf } from '../context.js';
import { planeWords } from '../quant-wgsl.js';
import {
  ENTRY_1D,
  input,
  output,
  PACK16_WGSL,
  PARAMS_WGSL,
  Params,
  THREAD_INDEX_WGSL,
  threads,
} from '../wgsl.js';

/**
 * out = x converted to out.dtype (q8/q4 x: dequantized). 16-bit outputs are written one packed word (two
 * elements) per thread. Parameter words: n, x's plane words, then the element offsets of the run in x and in
 * out: storages split over several buffers (split.ts) are cast run by run, one per overlap of an x part and an
 * out part (part boundaries fall on even elements, so a packed output word never straddles two runs).
 */
export function cast(ctx: KernelContext, x: Storage, out: Storage): void {
  if (out.size === 0) return;
  const packed = out.dtype === 'f16' || out.dtype === 'bf16';
  const exactInt = x.dtype === 'i32' && out.dtype === 'i32';
  const xDecl = exactInt
    ? '@group(0) @binding(1) var<storage, read> x: array<i32>;'
    : input('x', 1, x.dtype, 1);
  const xi = (e: string) => `x0 + ${e}`;
  let body: string;
  if (packed) {
    const enc = out.dtype === 'f16' ? 'to_f16' : 'to_bf16';
    body = `if (2u * i >= n) { return; }
  let lo = ${enc}(ld_x(${xi('2u * i')}));
  let hi = select(0u, ${enc}(ld_x(${xi('min(2u * i + 1u, n - 1u)')})), 2u * i + 1u < n);
  out[o0 / 2u + i] = lo | (hi << 16u);`;
  } else if (exactInt) {
    body = `if (i < n) { out[o0 + i] = x[${xi('i')}]; }`;
  } else {
    body = `if (i < n) { out[o0 + i] = ${out.dtype === 'i32' ? `i32(ld_x(${xi('i')}))` : `ld_x(${xi('i')})`}; }`;
  }
  const outType = packed ? 'u32' : out.dtype === 'i32' ? 'i32' : 'f32';
  const code = `${PARAMS_WGSL}${PACK16_WGSL}${THREAD_INDEX_WGSL}
${xDecl}
${output('out', 2, outType)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  let n = pu(0u); let x0 = pu(3u); let o0 = pu(4u);
  ${body}
}`;
  for (const xp of partsOf(x)) {
    const xEnd = xp.start + xp.storage.size;
    for (const op of partsOf(out)) {
      const from = Math.max(xp.start, op.start);
      const n = Math.min(xEnd, op.start + op.storage.size) - from;
      if (n <= 0) continue;
      launch(
        ctx,
        `cast ${x.dtype}->${out.dtype}`,
        code,
        new Params().u(n, ...planeWords(xp.storage), from - xp.start, from - op.start),
        [xp.storage, op.storage],
        threads(packed ? Math.ceil(n / 2) : n),
      );
    }
  }
}
