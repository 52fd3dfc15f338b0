import { describe, expect, it } from 'vitest';
import {
  gemvQdotRelaxedWasmBase64,
  gemvQdotRelaxedWasmSharedBase64,
  gemvQdotWasmBase64,
  gemvQdotWasmSharedBase64,
} from '../src/backends/cpu/wasm/gemv-qdot-wasm.js';
import { kernelSet, quantPointers, relaxedSimd } from '../src/backends/cpu/wasm/loader.js';
import { quantize } from '../src/index.js';

/**
 * gemv_t_q4_dot_i8 (relaxed SIMD's byte dot product over x's codes as bytes) against gemv_t_q4_dot (plain SIMD,
 * x's codes as 16-bit words): the same y bit for bit, since every i32 lane sums the same products exactly. The
 * backend takes the relaxed kernel wherever it runs (Node 20 with the V8 flag the loader sets, Node 22, current
 * browsers), so relaxed SIMD must be found here: a runtime without it would test nothing but the plain kernel.
 */
describe('q4 decode GEMV with relaxed SIMD', () => {
  it('runs here (the loader turns on Node 20’s flag)', () => {
    expect(relaxedSimd(gemvQdotRelaxedWasmBase64)).toBe(true);
  });

  it.each([
    [64, 3],
    [2048, 37],
    [4096, 5],
  ])('gives gemv_t_q4_dot’s results bit for bit (k %i, n %i)', (k, n) => {
    relaxedSimd(gemvQdotRelaxedWasmBase64);
    const memory = () => new WebAssembly.Memory({ initial: 1 });
    const plain = kernelSet([[gemvQdotWasmBase64, gemvQdotWasmSharedBase64]], memory());
    const relaxed = kernelSet([[gemvQdotRelaxedWasmBase64, gemvQdotRelaxedWasmSharedBase64]], memory());
    if (plain === null || relaxed === null) throw new Error('the qdot modules did not instantiate');
    expect(plain.fns.gemv_t_q4_dot_i8).toBeUndefined(); // the plain build leaves the relaxed section out
    const weights = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 97) / 13));
    const x = Float32Array.from({ length: k }, (_, i) =>
      i % 41 === 7 ? 0 : Math.cos(i * 0.91) * 10 ** ((i >> 5) % 3),
    );
    const packed = quantize(weights, 'q4');
    const run = (set: NonNullable<typeof plain>, name: string, i8: number): Float32Array => {
      // memory: x f32 [k], its quantized codes, d and Σx (2k + k/4 bytes), the block factors, y, then the weight
      const xq = k * 4;
      const ds = xq + 2 * k + k / 4;
      const y = ds + k / 8;
      const w = Math.ceil((y + n * 4) / 16) * 16;
      const need = w + packed.byteLength - set.memory.buffer.byteLength;
      if (need > 0) set.memory.grow(Math.ceil(need / 65536));
      new Float32Array(set.memory.buffer, 0, k).set(x);
      new Uint8Array(set.memory.buffer, w, packed.byteLength).set(packed);
      set.fns.quantize_x8(0, xq, k, i8);
      const p = quantPointers(w, n * k, 'q4', 0);
      set.fns[name](xq, p.q, p.scales, p.mins, y, k, n, ds);
      return new Float32Array(set.memory.buffer, y, n).slice();
    };
    const expected = run(plain, 'gemv_t_q4_dot', 0);
    const actual = run(relaxed, 'gemv_t_q4_dot_i8', 1);
    expect(new Uint32Array(actual.buffer)).toEqual(new Uint32Array(expected.buffer));
    expect(expected.some((v) => v !== 0)).toBe(true);
  });
});
