import { createWebGPUBackend, type WebGPUBackend } from '../../src/backends/webgpu/index.js';

/**
 * A WebGPU backend on Dawn, or null when no adapter exists locally (the tests then skip with a printed
 * reason). Under CI a missing adapter is a failure, not a skip.
 */
export async function webgpuOrSkip(): Promise<WebGPUBackend | null> {
  try {
    return await createWebGPUBackend();
  } catch (e) {
    if (process.env.CI) throw e;
    console.warn(`skipping WebGPU tests: ${(e as Error).message}`);
    return null;
  }
}

/** The device with its adapter facts replaced (everything else is the real device's). */
export function presentedAs(device: GPUDevice, adapterInfo: Partial<GPUAdapterInfo>): GPUDevice {
  return new Proxy(device, {
    get(target, key) {
      if (key === 'adapterInfo') return adapterInfo;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
