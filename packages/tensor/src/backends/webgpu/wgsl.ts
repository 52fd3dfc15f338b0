import type { DType } from '../../backend.js';
import { isQuantized } from '../../quant.js';
import { quantInput } from './quant-wgsl.js';

/**
 * Shared WGSL building blocks. Every kernel reads its scalar parameters from one uniform block of
 * 64 u32 words (binding 0; floats are bitcast), written by `Params`, and addresses its threads on a
 * 2-D grid of workgroups so that large tensors fit under maxComputeWorkgroupsPerDimension.
 * f16 and bf16 live as packed u32 words (two elements each) and are unpacked in-shader, so they need
 * no shader-f16 support.
 */

export const WORKGROUP = 256;
const MAX_GROUPS_PER_DIM = 65535;

export const PARAMS_WGSL = /* wgsl */ `
struct Params { v: array<vec4<u32>, 16> }
@group(0) @binding(0) var<uniform> P: Params;
fn pu(i: u32) -> u32 { return P.v[i / 4u][i % 4u]; }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
// WGSL rejects infinite constant expressions, so +Infinity is made at run time from a uniform word.
fn inf() -> f32 { return bitcast<f32>(0x7f800000u | (pu(0u) & 0u)); }
fn nan() -> f32 { return bitcast<f32>(0x7fc00000u | (pu(0u) & 0u)); }
`;

/** Parameter words for one dispatch, in the order the kernel's WGSL reads them with pu/pf. */
export class Params {
  private readonly words: number[] = [];
  private readonly f32 = new Float32Array(1);
  private readonly u32 = new Uint32Array(this.f32.buffer);

  u(...values: number[]): this {
    for (const v of values) this.words.push(v >>> 0);
    return this;
  }

  f(...values: number[]): this {
    for (const v of values) {
      this.f32[0] = v;
      this.words.push(this.u32[0]);
    }
    return this;
  }

  /** A list padded with zeros to `len` words (shapes and strides of rank ≤ 6 are passed as 6 words). */
  list(values: readonly number[], len = 6): this {
    for (let i = 0; i < len; i++) this.u(values[i] ?? 0);
    return this;
  }

  get length(): number {
    return this.words.length;
  }

  toArray(): Uint32Array {
    return Uint32Array.from(this.words);
  }
}

/** The WGSL element type a storage of `dtype` is declared with. */
function arrayType(dtype: DType): string {
  return dtype === 'f32' ? 'f32' : dtype === 'i32' ? 'i32' : 'u32';
}

/**
 * Declares binding `binding` as `name` and defines `ld_<name>(i) -> f32` for its element i. A q8/q4 storage
 * needs `planesSlot`, the first of its two plane-offset parameter words (quant-wgsl.ts: planeWords).
 */
export function input(name: string, binding: number, dtype: DType, planesSlot?: number): string {
  if (isQuantized(dtype)) {
    if (planesSlot === undefined) throw new Error(`input ${name}: a ${dtype} storage needs its plane words`);
    return quantInput(name, binding, dtype, planesSlot);
  }
  const decl = `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${arrayType(dtype)}>;`;
  return `${decl}\n${loader(name, dtype)}`;
}

/** Defines `ld_<name>(i) -> f32` for an already declared array `name` of `dtype`. */
export function loader(name: string, dtype: DType): string {
  switch (dtype) {
    case 'f32':
      return `fn ld_${name}(i: u32) -> f32 { return ${name}[i]; }`;
    case 'i32':
      return `fn ld_${name}(i: u32) -> f32 { return f32(${name}[i]); }`;
    case 'f16':
      return `fn ld_${name}(i: u32) -> f32 { return unpack2x16float(${name}[i >> 1u])[i & 1u]; }`;
    case 'bf16':
      return `fn ld_${name}(i: u32) -> f32 {
  let w = ${name}[i >> 1u];
  return bitcast<f32>(select(w << 16u, w & 0xffff0000u, (i & 1u) == 1u));
}`;
    default:
      throw new Error(
        `no element loader for ${dtype}: q8/q4 storages are declared with input(..., planesSlot)`,
      );
  }
}

/** Declares a read-write f32 (or i32) output array. */
export function output(name: string, binding: number, type: 'f32' | 'i32' | 'u32' = 'f32'): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> ${name}: array<${type}>;`;
}

/** WGSL that turns an f32 into the low 16 bits of its f16 / bf16 (round to nearest even) encoding. */
export const PACK16_WGSL = /* wgsl */ `
fn to_bf16(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return (b >> 16u) | 0x40u; }
  return (b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u;
}
fn to_f16(x: f32) -> u32 { return pack2x16float(vec2<f32>(x, 0.0)) & 0xffffu; }
`;

/** The thread index on the 2-D grid made by `grid`. */
export const THREAD_INDEX_WGSL = /* wgsl */ `
fn thread_index(wg: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 { return (wg.y * nwg.x + wg.x) * ${WORKGROUP}u + lid; }
`;

/** The compute entry point header of a one-thread-per-item kernel; the body sees `i`. */
export const ENTRY_1D = /* wgsl */ `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

/** Workgroup counts covering `groups` workgroups on a 2-D grid. */
export function grid2d(groups: number): [number, number] {
  if (groups <= MAX_GROUPS_PER_DIM) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / MAX_GROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

/** Workgroups for `items` threads of WORKGROUP each. */
export function threads(items: number): [number, number] {
  return grid2d(Math.ceil(items / WORKGROUP));
}

/** WGSL for the flat element offset of output index i in a strided view; shape/strides at word slots. */
export function stridedOffset(
  name: string,
  shapeSlot: number,
  strideSlot: number,
  offsetSlot: number,
): string {
  return `fn off_${name}(i: u32, rank: u32) -> u32 {
  var rem = i;
  var o = pu(${offsetSlot}u);
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let s = pu(${shapeSlot}u + u32(d));
    o += (rem % s) * pu(${strideSlot}u + u32(d));
    rem = rem / s;
  }
  return o;
}`;
}

/** Threads per workgroup of the one-workgroup-per-row kernels (softmax, norms, cross-entropy, reductions). */
export const ROW_THREADS = 128;

/**
 * Workgroup-wide sum and max for one-workgroup-per-row kernels. Every thread of the workgroup must
 * call them (they contain barriers); all threads get the result.
 */
export const ROW_REDUCE_WGSL = /* wgsl */ `
var<workgroup> red: array<f32, ${ROW_THREADS}>;
fn wg_sum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${ROW_THREADS / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn wg_max(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${ROW_THREADS / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
`;

/** The entry point header of a one-workgroup-per-row kernel; the body sees `row` and `lid`. */
export const ENTRY_ROW = /* wgsl */ `@compute @workgroup_size(${ROW_THREADS})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)`;

export const ROW_INDEX = 'let row = wg.y * nwg.x + wg.x;';
