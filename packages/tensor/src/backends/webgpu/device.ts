/// <reference types="@webgpu/types" />
import { BackendError, DeviceError } from '../../errors.js';
import { dawnVerbose, quietly } from './dawn-log.js';

/** Limits this backend raises from the WebGPU defaults to what the adapter really offers. */
const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export interface AcquiredDevice {
  device: GPUDevice;
  /** Whether the device was created here (and so may be destroyed by the backend's dispose). */
  owned: boolean;
}

/**
 * Dawn's GPU instance, created once. It must stay referenced: if the JS object is garbage collected,
 * Dawn frees the instance while its devices still tick, and the process crashes in
 * InstanceBase::ProcessEvents.
 */
let dawnInstance: GPU | null = null;

/** navigator.gpu in browsers; in Node the optional peer `webgpu` (Dawn), imported only when needed. */
async function findGPU(): Promise<{ gpu: GPU; dawn: boolean }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, dawn: false };
  if (dawnInstance) return { gpu: dawnInstance, dawn: true };
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ 'webgpu' as string)) as typeof mod;
  } catch (e) {
    throw new BackendError(
      `no WebGPU: navigator.gpu is absent and the optional package 'webgpu' (Dawn) did not load (${(e as Error).message}); install it with \`npm install webgpu\``,
    );
  }
  Object.assign(globalThis, mod.globals);
  dawnInstance = mod.create([]);
  return { gpu: dawnInstance, dawn: true };
}

/**
 * The adapter. Dawn discovers adapters inside the first requestAdapter call and prints its limit-clamping
 * warnings there; unless verbose, they are captured (dawn-log.ts) and shown only when no adapter is found.
 */
async function requestAdapter(verbose: boolean | undefined): Promise<GPUAdapter> {
  const { gpu, dawn } = await findGPU();
  const request = () => gpu.requestAdapter({ powerPreference: 'high-performance' });
  const { value, log } =
    dawn && !dawnVerbose(verbose) ? await quietly(request) : { value: request(), log: '' };
  const adapter = await value;
  if (adapter) return adapter;
  const said = log.trim() ? `; Dawn said: ${log.trim().replace(/\n+/g, ' | ')}` : '';
  throw new BackendError(`no WebGPU adapter found (requestAdapter returned null)${said}`);
}

/** Requests an adapter and a device with the adapter's real limits (the default 128 MiB binding is too small). */
export async function acquireDevice(
  opts: { device?: GPUDevice; verbose?: boolean } = {},
): Promise<AcquiredDevice> {
  if (opts.device) return { device: opts.device, owned: false };
  const adapter = await requestAdapter(opts.verbose);
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  // Both optional: f16/bf16 storage is unpacked from u32 words without shader-f16 (SwiftShader lacks it), and
  // subgroups only select the faster software-adapter matmul (kernels/matmul-subgroup.ts).
  const requiredFeatures = (['shader-f16', 'subgroups'] as GPUFeatureName[]).filter((f) =>
    adapter.features.has(f),
  );
  try {
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return { device, owned: true };
  } catch (e) {
    throw new BackendError(`requestDevice failed: ${(e as Error).message}`);
  }
}

/**
 * Whether the device is a software rasterizer (Mesa lavapipe/llvmpipe, SwiftShader, a fallback adapter):
 * there workgroup barriers are expensive and CPU caches stand in for shared memory, so some kernels
 * pick a barrier-free variant.
 */
export function isSoftwareDevice(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  if (!info) return false;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(text);
}

/**
 * Watches a device for loss and for out-of-memory errors, which WebGPU reports asynchronously:
 * `check()` throws the first recorded problem at the next synchronous entry point.
 */
export class DeviceHealth {
  private problem: DeviceError | null = null;
  lost = false;

  constructor(private readonly device: GPUDevice) {
    device.lost.then((info) => {
      this.lost = true;
      this.problem ??= new DeviceError(
        `WebGPU device lost (${info.reason}): ${info.message || 'no message'}; create a new backend`,
      );
    });
    // A kernel the device rejects would otherwise leave its output silently unwritten.
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.problem ??= new DeviceError(`WebGPU error: ${error.message}`);
    });
  }

  /** Records an error popped from an 'out-of-memory' error scope, naming the request that caused it. */
  recordOutOfMemory(request: string, error: GPUError | null): void {
    if (!error || this.problem) return;
    this.problem = new DeviceError(`${request}: out of device memory (${error.message})`);
  }

  check(): void {
    if (this.problem) throw this.problem;
  }

  /** Throws when an allocation cannot fit the device's limits, before WebGPU is asked. */
  checkAllocation(bytes: number): void {
    this.check();
    const { maxBufferSize } = this.device.limits;
    if (bytes > maxBufferSize) {
      throw new DeviceError(
        `createBuffer of ${bytes} bytes exceeds the device's maxBufferSize ${maxBufferSize}`,
      );
    }
  }

  checkBinding(bytes: number, what: string): void {
    const { maxStorageBufferBindingSize } = this.device.limits;
    if (bytes > maxStorageBufferBindingSize) {
      throw new DeviceError(
        `${what}: binding of ${bytes} bytes exceeds the device's maxStorageBufferBindingSize ${maxStorageBufferBindingSize}`,
      );
    }
  }
}

/**
 * WebGPU's numeric flags. In Node the GPUBufferUsage / GPUMapMode globals exist only after Dawn's module
 * is loaded, so they cannot be read while this module loads.
 */
export const BUFFER_USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
export const MAP_READ_MODE = 1;
