import { f16BitsToF32 } from '../../../dtype.js';
import { QUANT_BLOCK, type QuantizedDType, quantLayout } from '../../../quant.js';
import type { KernelSet } from '../threads/lanes.js';

/**
 * Instantiate a bundled wasm module (base64) synchronously, a module that imports its memory on `memory` (a shared
 * memory takes the module's shared-memory variant, `sharedBase64`); null where WebAssembly SIMD is unavailable.
 */
export function instantiate<T>(
  base64: string,
  memory?: WebAssembly.Memory,
  sharedBase64?: string,
): (T & { memory: WebAssembly.Memory }) | null {
  try {
    const shared = memory !== undefined && isShared(memory);
    if (shared && sharedBase64 === undefined) return null;
    const module = compiledModule(shared ? (sharedBase64 as string) : base64);
    if (memory === undefined) {
      return new WebAssembly.Instance(module, {}).exports as unknown as T & { memory: WebAssembly.Memory };
    }
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    return { ...(exports as unknown as T), memory };
  } catch {
    return null;
  }
}

export const isShared = (memory: WebAssembly.Memory) =>
  typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

/** Compiled modules by their base64 bytes: instances per memory share one compilation. */
const compiled = new Map<string, WebAssembly.Module>();

/** The compiled module of bundled wasm bytes (base64), compiled once. */
export function compiledModule(base64: string): WebAssembly.Module {
  let module = compiled.get(base64);
  if (module === undefined) {
    module = new WebAssembly.Module(Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)));
    compiled.set(base64, module);
  }
  return module;
}

/** Whether relaxed-SIMD modules run here, decided once per process (see relaxedSimd). */
let relaxed: boolean | undefined;

/**
 * Whether this runtime runs `base64`, a bundled module using relaxed SIMD (on by default in Node 22 and current
 * browsers). Node 20 has it behind a V8 flag, turned on here before the first such module compiles, unless
 * AGENTLM_RELAXED_SIMD=0 (which also keeps the plain kernels where relaxed SIMD is native, for A/B runs). The
 * kernels that use it return the plain kernels' results bit for bit, so the choice changes speed only.
 */
export function relaxedSimd(base64: string): boolean {
  if (relaxed !== undefined) return relaxed;
  const env = (globalThis as { process?: NodeJS.Process }).process;
  // compiled as it will be used (and kept by compiledModule), not merely validated
  const compiles = () => {
    try {
      compiledModule(base64);
      return true;
    } catch {
      return false;
    }
  };
  if (env?.env?.AGENTLM_RELAXED_SIMD === '0') relaxed = false;
  else if (compiles()) relaxed = true;
  else {
    try {
      env?.getBuiltinModule?.('node:v8')?.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // not Node, or a V8 that refuses the flag: the plain kernels
    }
    relaxed = compiles();
  }
  return relaxed;
}

/**
 * Instances of bundled modules (pairs of base64: as built, importing a shared memory) on one memory, with the
 * module holding each export (for the worker pool, threads/lanes.ts); null where WebAssembly SIMD is unavailable.
 * On a shared memory every module takes its shared variant. Without `memory`, the first module (one that exports
 * its own) provides it.
 */
export function kernelSet(variants: [string, string][], memory?: WebAssembly.Memory): KernelSet | null {
  const fns: Record<string, (...args: number[]) => unknown> = {};
  const modules: Record<string, WebAssembly.Module> = {};
  try {
    let own = memory;
    for (const [base64, sharedBase64] of variants) {
      const module = compiledModule(own !== undefined && isShared(own) ? sharedBase64 : base64);
      const instance = new WebAssembly.Instance(module, own ? { env: { memory: own } } : {});
      own ??= instance.exports.memory as WebAssembly.Memory;
      for (const [name, value] of Object.entries(instance.exports)) {
        if (typeof value !== 'function') continue;
        fns[name] = value as (...args: number[]) => unknown;
        modules[name] = module;
      }
    }
    return own ? { memory: own, fns, modules } : null;
  } catch {
    return null;
  }
}

/** Float32 view of a module's memory holding at least `floats` elements (grows it as needed). */
export function heap(memory: WebAssembly.Memory, floats: number): Float32Array {
  const need = floats * 4 - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
  return new Float32Array(memory.buffer);
}

/**
 * A matrix operand: f32 data, the raw bits of f16/bf16 weights, or the packed bytes of q8/q4 weights (whose
 * planes are placed by the storage's element count, `size`); the element offset of the matrix, and whether
 * it is stored transposed.
 */
export interface MatrixOperand {
  data: Float32Array | Uint16Array | Uint8Array;
  dtype: 'f32' | 'f16' | 'bf16' | QuantizedDType;
  offset: number;
  transposed: boolean;
  size?: number;
}

/** Byte pointers of element `offset` (block-aligned) in each plane of a quantized storage at byte `base`. */
export interface QuantPointers {
  q: number;
  scales: number;
  mins: number;
}

export function quantPointers(
  base: number,
  size: number,
  dtype: QuantizedDType,
  offset: number,
): QuantPointers {
  const layout = quantLayout(size, dtype);
  const scale = (offset / QUANT_BLOCK) * 2;
  return {
    q: base + (dtype === 'q8' ? offset : offset / 2),
    scales: base + layout.scales + scale,
    mins: base + layout.mins + scale,
  };
}

/**
 * Copies a block-aligned `rows` x `cols` window of a quantized storage of `size` elements (row r starts at element
 * start + r·stride; cols a multiple of 32) into `dst` at byte `at` as a compact storage of rows·cols elements
 * (the same planes, holding only the window), and returns its plane pointers.
 */
export function stageQuantized(
  src: Uint8Array,
  size: number,
  dtype: QuantizedDType,
  window: { start: number; rows: number; cols: number; stride: number },
  dst: Uint8Array,
  at: number,
): QuantPointers {
  const { start, rows, cols, stride } = window;
  const to = quantPointers(at, rows * cols, dtype, 0);
  const qBytes = dtype === 'q8' ? cols : cols / 2;
  const scaleBytes = (cols / QUANT_BLOCK) * 2;
  const plane = (source: number, target: number, bytes: number) =>
    dst.set(new Uint8Array(src.buffer, source, bytes), target);
  const from = quantPointers(src.byteOffset, size, dtype, start);
  const qStride = dtype === 'q8' ? stride : stride / 2;
  const scaleStride = (stride / QUANT_BLOCK) * 2;
  for (let r = 0; r < rows; r++) {
    plane(from.q + r * qStride, to.q + r * qBytes, qBytes);
    plane(from.scales + r * scaleStride, to.scales + r * scaleBytes, scaleBytes);
    if (dtype === 'q4') plane(from.mins + r * scaleStride, to.mins + r * scaleBytes, scaleBytes);
  }
  return to;
}

let f16Table: Float32Array | null = null;

/** out[0..length) = the 16-bit floats src[start..start+length) as f32 (bf16: a shift; f16: a table). */
export function decode16(
  src: Uint16Array,
  start: number,
  length: number,
  dtype: 'f16' | 'bf16',
  out: Float32Array,
): Float32Array {
  if (dtype === 'bf16') {
    const bits = new Uint32Array(out.buffer, out.byteOffset, length);
    for (let i = 0; i < length; i++) bits[i] = src[start + i] << 16;
  } else {
    f16Table ??= Float32Array.from({ length: 65536 }, (_, h) => f16BitsToF32(h));
    for (let i = 0; i < length; i++) out[i] = f16Table[src[start + i]];
  }
  return out;
}

/** Reads `length` consecutive elements of an operand as f32 (a view for f32, a decoded scratch row else). */
export function rowReader(op: MatrixOperand, length: number): (start: number) => Float32Array {
  const data = op.data;
  if (data instanceof Float32Array) return (start) => data.subarray(start, start + length);
  const scratch = new Float32Array(length);
  return (start) => decode16(data as Uint16Array, start, length, op.dtype as 'f16' | 'bf16', scratch);
}
