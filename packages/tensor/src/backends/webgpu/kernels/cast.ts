import type { Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
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

/** out = x converted to out.dtype (q8/q4 x: dequantized). 16-bit outputs are written one packed word (two elements) per thread. */
export function cast(ctx: KernelContext, x: Storage, out: Storage): void {
  const n = out.size;
  if (n === 0) return;
  const packed = out.dtype === 'f16' || out.dtype === 'bf16';
  const exactInt = x.dtype === 'i32' && out.dtype === 'i32';
  const xDecl = exactInt
    ? '@group(0) @binding(1) var<storage, read> x: array<i32>;'
    : input('x', 1, x.dtype, 1);
  let body: string;
  if (packed) {
    const enc = out.dtype === 'f16' ? 'to_f16' : 'to_bf16';
    body = `if (2u * i >= n) { return; }
  let lo = ${enc}(ld_x(2u * i));
  let hi = select(0u, ${enc}(ld_x(min(2u * i + 1u, n - 1u))), 2u * i + 1u < n);
  out[i] = lo | (hi << 16u);`;
  } else if (exactInt) {
    body = 'if (i < n) { out[i] = x[i]; }';
  } else {
    body = `if (i < n) { out[i] = ${out.dtype === 'i32' ? 'i32(ld_x(i))' : 'ld_x(i)'}; }`;
  }
  const outType = packed ? 'u32' : out.dtype === 'i32' ? 'i32' : 'f32';
  const code = `${PARAMS_WGSL}${PACK16_WGSL}${THREAD_INDEX_WGSL}
${xDecl}
${output('out', 2, outType)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  let n = pu(0u);
  ${body}
}`;
  launch(
    ctx,
    `cast ${x.dtype}->${out.dtype}`,
    code,
    new Params().u(n, ...planeWords(x)),
    [x, out],
    threads(packed ? n / 2 : n),
  );
}
