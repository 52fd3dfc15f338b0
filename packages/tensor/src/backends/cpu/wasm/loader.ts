/** Instantiate a bundled wasm module (base64) synchronously; null where WebAssembly SIMD is unavailable. */
export function instantiate<T>(base64: string): (T & { memory: WebAssembly.Memory }) | null {
  try {
    const bytes = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    return instance.exports as unknown as T & { memory: WebAssembly.Memory };
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

/** A matrix operand: data, element offset of the matrix, and whether it is stored transposed. */
export interface MatrixOperand {
  data: Float32Array;
  offset: number;
  transposed: boolean;
}
