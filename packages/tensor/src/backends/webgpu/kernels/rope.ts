import type { RopeParams, Storage } from '../../../backend.js';
import { type KernelContext, launch } from '../context.js';
import { ENTRY_1D, output, PARAMS_WGSL, Params, THREAD_INDEX_WGSL, threads } from '../wgsl.js';

/**
 * angle = position * invFreq reaches ~1e5 radians at long context, where a rounded f32 product is off
 * by ~1e-2. Splitting the integer position and the frequency's mantissa into 12-bit halves makes all
 * four partial products exact in f32; each is reduced modulo 2π (Cody-Waite, 2π split in two) before
 * they are summed, so cos/sin see an argument accurate to ~1e-6 rad, as the CPU backend's f64 math does.
 * (fma is not relied on: some drivers do not fuse it.)
 */
const ANGLE_WGSL = /* wgsl */ `
fn reduce_2pi(t: f32) -> f32 {
  let k = round(t * 0.15915494309189535);
  return (t - k * 6.28125) - k * 1.9353071795864769e-3;
}
fn cos_sin(position: i32, f: f32) -> vec2<f32> {
  let p = u32(abs(position));
  let p_hi = f32(p >> 12u) * 4096.0; let p_lo = f32(p & 4095u);
  let f_hi = bitcast<f32>(bitcast<u32>(f) & 0xfffff000u); let f_lo = f - f_hi;
  let r = sign(f32(position)) * (reduce_2pi(p_hi * f_hi) + reduce_2pi(p_hi * f_lo) + reduce_2pi(p_lo * f_hi) + p_lo * f_lo);
  return vec2<f32>(cos(r), sin(r));
}
`;

/**
 * One thread per rotated pair. Parameter words: pairs, t, heads, rotaryDim, scale.
 * Source and destination slots of pair i depend on the layout (see RopeParams); the inverse rotation
 * (the backward pass) reads the rotate-half layout and writes the source layout.
 */
export function rope(
  ctx: KernelContext,
  x: Storage,
  positions: Storage,
  invFreq: Storage,
  out: Storage,
  p: RopeParams,
): void {
  const half = p.rotaryDim / 2;
  const pairs = p.outer * p.t * p.heads * half;
  if (pairs === 0) return;
  const i0 = p.interleaved ? 'base + 2u * i' : 'base + i';
  const i1 = p.interleaved ? 'base + 2u * i + 1u' : 'base + i + half';
  const body = p.inverse
    ? `let y0 = xs[base + i]; let y1 = xs[base + i + half];
  out[${i0}] = y0 * c + y1 * s;
  out[${i1}] = y1 * c - y0 * s;`
    : `let x0 = xs[${i0}]; let x1 = xs[${i1}];
  out[base + i] = x0 * c - x1 * s;
  out[base + i + half] = x1 * c + x0 * s;`;
  const code = `${PARAMS_WGSL}${THREAD_INDEX_WGSL}${ANGLE_WGSL}
@group(0) @binding(1) var<storage, read> xs: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read> inv_freq: array<f32>;
${output('out', 4)}
${ENTRY_1D} {
  let g = thread_index(wg, nwg, lid);
  if (g >= pu(0u)) { return; }
  let half = pu(3u) / 2u;
  let i = g % half;
  let vec = g / half;
  let t = (vec / pu(2u)) % pu(1u);
  let base = vec * pu(3u);
  let cs = cos_sin(positions[t], inv_freq[i]) * pf(4u);
  let c = cs.x; let s = cs.y;
  ${body}
}`;
  const params = new Params().u(pairs, p.t, p.heads, p.rotaryDim).f(p.scale);
  launch(
    ctx,
    p.inverse ? 'rope backward' : 'rope',
    code,
    params,
    [x, positions, invFreq, out],
    threads(pairs),
  );
}
