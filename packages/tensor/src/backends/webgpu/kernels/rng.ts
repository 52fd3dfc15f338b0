import type { RngParams, Storage } from '../../../backend.js';
import { type KernelContext, launch, partsOf } from '../context.js';
import { ENTRY_1D, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/**
 * Philox4x32-10, exactly the stream of src/rng.ts: element i uses counter (i, 0, 0, 0) under the seed's
 * two key words. WGSL has no u64, so the high half of each 32x32 product is built from 16-bit halves
 * (the partial sums provably stay below 2^32).
 */
const PHILOX_WGSL = /* wgsl */ `
fn mul_hi(a: u32, b: u32) -> u32 {
  let a_lo = a & 0xffffu; let a_hi = a >> 16u;
  let b_lo = b & 0xffffu; let b_hi = b >> 16u;
  let lo_lo = a_lo * b_lo; let hi_lo = a_hi * b_lo; let lo_hi = a_lo * b_hi;
  let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + lo_hi;
  return a_hi * b_hi + (hi_lo >> 16u) + (cross >> 16u);
}
fn philox(counter: u32, key0: u32, key1: u32) -> vec2<u32> {
  var c = vec4<u32>(counter, 0u, 0u, 0u);
  var k0 = key0; var k1 = key1;
  for (var round = 0u; round < 10u; round++) {
    let hi0 = mul_hi(0xd2511f53u, c.x); let lo0 = 0xd2511f53u * c.x;
    let hi1 = mul_hi(0xcd9e8d57u, c.z); let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0);
    k0 += 0x9e3779b9u; k1 += 0xbb67ae85u;
  }
  return c.xy;
}
`;

/** Parameter words: n, key0, key1, a, b, and the stream index of element 0 (a split storage's part start). */
const BODY: Record<RngParams['kind'], string> = {
  uniform: 'out[i] = pf(3u) + (pf(4u) - pf(3u)) * f32(w.x >> 8u) * 5.9604644775390625e-8;',
  normal: `let u1 = f32((w.x >> 8u) + 1u) * 5.9604644775390625e-8;
  let u2 = f32(w.y >> 8u) * 5.9604644775390625e-8;
  out[i] = pf(3u) + pf(4u) * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);`,
};

export function rng(ctx: KernelContext, out: Storage, p: RngParams): void {
  if (out.size === 0) return;
  const code = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}${PHILOX_WGSL}
${output('out', 1)}
${ENTRY_1D} {
  let i = thread_index(wg, nwg, lid);
  if (i >= pu(0u)) { return; }
  let w = philox(i + pu(5u), pu(1u), pu(2u));
  ${BODY[p.kind]}
}`;
  for (const { start, storage } of partsOf(out)) {
    const params = new Params().u(storage.size, p.seedLo, p.seedHi).f(p.a, p.b).u(start);
    launch(ctx, `rng ${p.kind}`, code, params, [storage], threads(storage.size));
  }
}
