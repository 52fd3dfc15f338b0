import { type Backend, createCpuBackend } from '../../src/index.js';

export interface Available {
  name: string;
  backend: Backend | null;
  /** Why the backend is unavailable. */
  reason?: string;
}

/**
 * CPU always; WebGPU when an adapter can be created (Dawn `webgpu` package + Mesa lavapipe).
 * AGENTLM_TEST_BACKENDS=cpu (a comma list) restricts the run, e.g. while debugging one backend.
 */
export async function availableBackends(): Promise<Available[]> {
  const only = process.env.AGENTLM_TEST_BACKENDS?.split(',');
  // dequantize-then-f32 for q8/q4 weights everywhere: the CPU decode GEMV's default, x quantized to int8, is
  // checked against its own exact reference in cpu-quant-int8.test.ts
  const list: Available[] = [{ name: 'cpu', backend: createCpuBackend({ quantizedActivations: 'f32' }) }];
  if (only && !only.includes('webgpu')) return list.filter((b) => only.includes(b.name));
  try {
    const { createWebGPUBackend } = await import('../../src/backends/webgpu/index.js');
    list.push({ name: 'webgpu', backend: await createWebGPUBackend({}) });
  } catch (err) {
    list.push({ name: 'webgpu', backend: null, reason: (err as Error).message });
  }
  return list;
}

/** The f64 CPU reference every backend is checked against. */
export const reference = createCpuBackend({ float64: true });
