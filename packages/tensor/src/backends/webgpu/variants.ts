/// <reference types="@webgpu/types" />
import { BackendError } from '../../errors.js';
import { fixedSubgroupSize } from './kernels/matmul-subgroup.js';

/**
 * Which kernel variant runs where the adapter decides it. Chosen once per device by `chooseVariants`
 * from the adapter's limits and features; `createWebGPUBackend({ variants })` overrides any of them
 * (tests force each in turn; a choice the device cannot run is a BackendError).
 */
export interface KernelVariants {
  /**
   * The subgroup size kernels may rely on: the adapter's min and max subgroup sizes agree (4 or more)
   * and the device has the `subgroups` feature; null otherwise. It selects the subgroup matmul (software
   * adapters) and the subgroup attention tiles; null forces the kernels without subgroups.
   */
  subgroupSize: number | null;
  /**
   * How flash attention shares its K/V (forward, dq) or Q/dO (dk, dv) tiles between threads:
   * `subgroup` (subgroupBroadcast within one subgroup; software adapters, where every memory load in a
   * loop is a loop over the lanes) or `workgroup` (workgroup memory; hardware GPUs).
   */
  attention: 'subgroup' | 'workgroup';
  /** Rows of a workgroup-memory attention tile (threads per workgroup), lowered per call to what fits. */
  attentionTile: number;
  /**
   * latentAttention over more cache rows than this is split into chunks of `latentChunk` rows scored by
   * parallel workgroups, then merged (flash-decoding); shorter contexts run one workgroup per head.
   */
  latentSplitAt: number;
  latentChunk: number;
  /**
   * Mixed precision, off unless asked for (needs `shader-f16`): the attention forward takes its products
   * in f16 (q, the k/v tiles and the probabilities rounded to f16) and sums them, and keeps the softmax
   * statistics, in f32. The attention backward and every other op stay f32.
   */
  f16: boolean;
}

export function chooseVariants(device: GPUDevice, software: boolean): KernelVariants {
  const subgroupSize = fixedSubgroupSize(device);
  return {
    subgroupSize,
    attention: software && subgroupSize ? 'subgroup' : 'workgroup',
    attentionTile: Math.min(16, device.limits.maxComputeInvocationsPerWorkgroup),
    // A software adapter runs a workgroup per CPU core at a time: splitting pays only on long contexts.
    latentSplitAt: software ? 4096 : 1024,
    latentChunk: software ? 2048 : 256,
    f16: false,
  };
}

/** `chosen` with `overrides` applied, checked against what the device can run. */
export function applyOverrides(
  device: GPUDevice,
  chosen: KernelVariants,
  overrides: Partial<KernelVariants> = {},
): KernelVariants {
  const v = { ...chosen, ...overrides };
  // Turning the subgroup kernels off turns off the attention tiles that rely on them, unless named too.
  if (overrides.subgroupSize === null && overrides.attention === undefined) v.attention = 'workgroup';
  if (v.attention === 'subgroup' && !v.subgroupSize) {
    throw new BackendError(
      "variants.attention 'subgroup' needs a fixed subgroup size (the subgroups feature with subgroupMinSize == subgroupMaxSize); this adapter has none",
    );
  }
  if (v.subgroupSize && v.subgroupSize !== chosen.subgroupSize) {
    throw new BackendError(
      `variants.subgroupSize ${v.subgroupSize}: the adapter's fixed subgroup size is ${chosen.subgroupSize ?? 'none'}`,
    );
  }
  if (v.f16 && !device.features.has('shader-f16')) {
    throw new BackendError('variants.f16 needs the shader-f16 feature, which this device lacks');
  }
  const maxThreads = device.limits.maxComputeInvocationsPerWorkgroup;
  if (!Number.isInteger(v.attentionTile) || v.attentionTile < 1 || v.attentionTile > maxThreads) {
    throw new BackendError(
      `variants.attentionTile must be an integer in 1..${maxThreads}, got ${v.attentionTile}`,
    );
  }
  if (!Number.isInteger(v.latentChunk) || v.latentChunk < 1 || !(v.latentSplitAt >= 0)) {
    throw new BackendError(
      `variants.latentChunk must be a positive integer and latentSplitAt ≥ 0, got ${v.latentChunk} and ${v.latentSplitAt}`,
    );
  }
  return v;
}
