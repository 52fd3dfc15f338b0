import type { Backend } from './backend.js';
import { initBackend } from './backends/index.js';
import { hideDawnNoise } from './backends/webgpu/dawn-log.js';
import { BackendError } from './errors.js';

/**
 * For test suites of packages built on @agentlm/tensor (`@agentlm/tensor/testing`): the WebGPU backend, or
 * null with the reason when no adapter exists. Under CI (`CI` set) a missing adapter throws instead, so a
 * WebGPU test can never pass in CI by skipping.
 */
export async function webgpuForTests(): Promise<{ gpu: Backend | null; reason: string }> {
  try {
    return { gpu: await initBackend('webgpu'), reason: '' };
  } catch (err) {
    if (process.env.CI) throw err;
    if (err instanceof BackendError) return { gpu: null, reason: err.message };
    throw err;
  }
}

/**
 * For a test runner's config (vitest.config.ts runs in the main process): drop Dawn's limit-clamping
 * warnings from the worker output it relays (see `hideDawnNoise`). `AGENTLM_VERBOSE=1` keeps them.
 */
export function quietDawnInTests(): void {
  hideDawnNoise(process.stderr);
}
