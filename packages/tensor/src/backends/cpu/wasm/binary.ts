import { binaryWasmBase64 } from './binary-wasm.js';
import { heap, instantiate } from './loader.js';

/**
 * Long dense rows of f32 add/sub/mul/div (same-shape operands, or one a broadcast scalar) on the
 * WebAssembly SIMD loop of binary.wat, BLOCK elements at a time staged through the module's memory
 * (bit for bit the results of the TypeScript loops, see there).
 */

interface BinaryModule {
  binary: (op: number, a: number, b: number, out: number, n: number, aStep: number, bStep: number) => void;
}

const OPS = { add: 0, sub: 1, mul: 2, div: 3 } as const;
export type WasmBinaryOp = keyof typeof OPS;

const BLOCK = 8192;
let loaded: ReturnType<typeof instantiate<BinaryModule>> | undefined;

export type WasmBinaryRow = (
  op: WasmBinaryOp,
  a: Float32Array,
  ia: number,
  sa: 0 | 1,
  b: Float32Array,
  ib: number,
  sb: 0 | 1,
  out: Float32Array,
  o: number,
  n: number,
) => void;

/**
 * The row function out[o + j] = a[ia + j·sa] op b[ib + j·sb] for j < n, with sa and sb each 0 (a
 * scalar) or 1; null where WebAssembly SIMD is unavailable.
 */
export function wasmBinaryRow(): WasmBinaryRow | null {
  loaded ??= instantiate<BinaryModule>(binaryWasmBase64);
  return loaded ? row : null;
}

const row: WasmBinaryRow = (op, a, ia, sa, b, ib, sb, out, o, n) => {
  const mod = loaded as BinaryModule & { memory: WebAssembly.Memory };
  // regions of BLOCK + 4 floats: a, b, out (a block may run 3 floats past its end)
  const stride = BLOCK + 4;
  const mem = heap(mod.memory, 3 * stride);
  if (sa === 0) mem[0] = a[ia];
  if (sb === 0) mem[stride] = b[ib];
  for (let start = 0; start < n; start += BLOCK) {
    const count = Math.min(BLOCK, n - start);
    if (sa === 1) mem.set(a.subarray(ia + start, ia + start + count), 0);
    if (sb === 1) mem.set(b.subarray(ib + start, ib + start + count), stride);
    mod.binary(OPS[op], 0, stride * 4, 2 * stride * 4, count, sa * 16, sb * 16);
    out.set(mem.subarray(2 * stride, 2 * stride + count), o + start);
  }
};
