import type { Backend, BackendName, BackendOptions } from '../backend.js';
import { BackendError } from '../errors.js';
import { createCpuBackend } from './cpu/index.js';

/**
 * Backend loading. `initBackend('webgpu')` imports `./webgpu/index.js` lazily (so CPU-only users never load
 * WebGPU code or the optional `webgpu` peer) and calls its `createWebGPUBackend(opts)`.
 */

let defaultBackend: Backend | null = null;
let autoFallbackReason: string | null = null;

/** Why the last initBackend('auto') fell back to the CPU (null when it did not). */
export function autoFallback(): string | null {
  return autoFallbackReason;
}
const loaded = new Map<BackendName, Backend>();

async function create(name: BackendName, opts: BackendOptions): Promise<Backend> {
  if (name === 'cpu') return createCpuBackend();
  const { createWebGPUBackend } = await import('./webgpu/index.js');
  return createWebGPUBackend(opts);
}

function parseName(name: string, source: string): 'auto' | BackendName {
  if (name === 'auto' || name === 'cpu' || name === 'webgpu') return name;
  throw new BackendError(`${source}: unknown backend "${name}" (expected auto, cpu or webgpu)`);
}

/**
 * Load a backend and make it the default. 'auto' (the default) picks WebGPU when an adapter exists, else
 * CPU; the environment variable AGENTLM_BACKEND overrides 'auto'. A backend is created once per name
 * (unless `opts.device` is given) and reused.
 */
export async function initBackend(
  name: 'auto' | BackendName = 'auto',
  opts: BackendOptions = {},
): Promise<Backend> {
  let wanted = parseName(name, 'initBackend');
  const env = typeof process !== 'undefined' ? process.env?.AGENTLM_BACKEND : undefined;
  if (wanted === 'auto' && env) wanted = parseName(env, 'AGENTLM_BACKEND');
  let backend: Backend;
  if (wanted === 'auto') {
    try {
      backend = await getOrCreate('webgpu', opts);
      autoFallbackReason = null;
    } catch (err) {
      // no adapter, no `webgpu` package, or a device that failed to start: the CPU always works
      autoFallbackReason = (err as Error).message;
      backend = await getOrCreate('cpu', opts);
    }
  } else {
    backend = await getOrCreate(wanted, opts);
  }
  defaultBackend = backend;
  return backend;
}

async function getOrCreate(name: BackendName, opts: BackendOptions): Promise<Backend> {
  const cached = loaded.get(name);
  if (cached && !opts.device) return cached;
  const backend = await create(name, opts);
  if (!opts.device) loaded.set(name, backend);
  return backend;
}

/** Make an already created backend the default. */
export function setBackend(backend: Backend): void {
  defaultBackend = backend;
}

/**
 * The default backend. Before any initBackend call this is the CPU backend, so CPU-only programs need no
 * setup.
 */
export function getBackend(): Backend {
  if (!defaultBackend) {
    defaultBackend = loaded.get('cpu') ?? createCpuBackend();
    loaded.set('cpu', defaultBackend);
  }
  return defaultBackend;
}
