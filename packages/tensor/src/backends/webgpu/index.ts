import type { Backend, BackendOptions } from '../../backend.js';
import { BackendError } from '../../errors.js';

/** Placeholder until the WebGPU kernels land. */
export async function createWebGPUBackend(_opts: BackendOptions = {}): Promise<Backend> {
  throw new BackendError('webgpu backend not built yet');
}
