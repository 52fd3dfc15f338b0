import { afterAll, describe, expect, it } from 'vitest';
import { SplitStorage } from '../../src/backends/webgpu/context.js';
import { createWebGPUBackend } from '../../src/backends/webgpu/index.js';
import { sizeClass } from '../../src/backends/webgpu/pool.js';
import { DeviceError } from '../../src/errors.js';
import { webgpuOrSkip } from './setup.js';

const gpu = await webgpuOrSkip();
afterAll(() => gpu?.destroy());

describe.runIf(gpu)('webgpu backend machinery', { timeout: 60_000 }, () => {
  it('requests the adapter real limits, not the 128 MiB / 256 MiB defaults', async () => {
    const { create } = await import('webgpu');
    const adapter = await create([]).requestAdapter();
    expect(adapter).not.toBeNull();
    const limits = gpu!.device.limits;
    expect(limits.maxBufferSize).toBe(adapter!.limits.maxBufferSize);
    expect(limits.maxStorageBufferBindingSize).toBe(adapter!.limits.maxStorageBufferBindingSize);
    expect(limits.maxComputeWorkgroupStorageSize).toBe(adapter!.limits.maxComputeWorkgroupStorageSize);
  });

  it('size classes bound the waste of a pooled buffer', () => {
    for (const bytes of [1, 17, 1000, 1 << 20, (1 << 20) + 1, 123_456_789]) {
      const c = sizeClass(bytes);
      expect(c).toBeGreaterThanOrEqual(bytes);
      expect(c).toBeLessThanOrEqual(Math.max(16, bytes <= 1 << 20 ? 2 * bytes : 1.125 * bytes + 16));
    }
  });

  it('reuses a freed buffer of the same size class only after the pending work is submitted', async () => {
    const a = gpu!.alloc(1000, 'f32');
    gpu!.fill(a, 1);
    gpu!.free(a);
    const before = gpu!.stats();
    // Not submitted yet: the fill still writes `a`'s buffer, so a new request must not get it.
    const b = gpu!.alloc(1000, 'f32');
    expect(gpu!.stats().creations).toBe(before.creations + 1);
    await gpu!.sync();
    const c = gpu!.alloc(999, 'f32');
    const after = gpu!.stats();
    expect(after.reuses).toBe(before.reuses + 1);
    expect(after.creations).toBe(before.creations + 1);
    gpu!.free(b);
    gpu!.free(c);
  });

  it('caches pipelines by shader text and batches many dispatches into one submit', async () => {
    const x = gpu!.alloc(64, 'f32');
    gpu!.fill(x, 2);
    await gpu!.sync();
    const before = gpu!.stats();
    for (let i = 0; i < 20; i++) gpu!.unary('exp', x, x);
    const values = await gpu!.read(x);
    const after = gpu!.stats();
    expect(Number.isFinite(values[0])).toBe(false); // exp applied 20 times overflows
    expect(after.dispatches - before.dispatches).toBe(20);
    expect(after.submits - before.submits).toBe(1);
    expect(after.pipelines - before.pipelines).toBeLessThanOrEqual(1);
    expect(after.pipelineHits - before.pipelineHits).toBeGreaterThanOrEqual(19);
    gpu!.free(x);
  });

  it('frees everything: no buffer stays in use, and a repeated training-like loop creates no buffers', async () => {
    const loop = async () => {
      for (let step = 0; step < 50; step++) {
        const [w, g, m, v] = [0, 1, 2, 3].map(() => gpu!.alloc(256, 'f32'));
        for (const s of [w, g, m, v]) gpu!.fill(s, 0.5);
        const p = {
          lr: 0.1,
          beta1: 0.9,
          beta2: 0.99,
          eps: 1e-8,
          weightDecay: 0,
          biasCorrection1: 1,
          biasCorrection2: 1,
        };
        gpu!.adamw(w, g, m, v, p);
        for (const s of [w, g, m, v]) gpu!.free(s);
        if (step % 10 === 9) await gpu!.sync();
      }
    };
    const base = gpu!.stats();
    await loop();
    const first = gpu!.stats();
    expect(first.buffersInUse).toBe(base.buffersInUse);
    expect(first.inUseBytes).toBe(base.inUseBytes);
    // Freed buffers wait for the next submit, so one window of 10 steps may need its own buffers.
    expect(first.creations - base.creations).toBeLessThanOrEqual(40);
    await loop();
    const second = gpu!.stats();
    expect(second.creations).toBe(first.creations);
    expect(second.allocatedBytes).toBe(first.allocatedBytes);
    expect(second.buffersInUse).toBe(base.buffersInUse);
  });

  it('a storage beyond one binding spans buffers within the device limits; unary refuses it by name', () => {
    const { maxStorageBufferBindingSize: limit, maxBufferSize } = gpu!.device.limits;
    const big = gpu!.alloc(limit / 4 + 1024, 'f32');
    const out = gpu!.alloc(16, 'f32');
    try {
      expect(big).toBeInstanceOf(SplitStorage);
      const parts = (big as SplitStorage).parts;
      expect(parts.map((p) => p.storage.size).reduce((a, b) => a + b)).toBe(limit / 4 + 1024);
      for (const p of parts) {
        expect(p.storage.bytes).toBeLessThanOrEqual(Math.min(limit, maxBufferSize));
        expect(p.storage.buffer.size).toBeLessThanOrEqual(maxBufferSize);
      }
      expect(() => gpu!.unary('exp', big, out)).toThrow(DeviceError);
      expect(() => gpu!.unary('exp', big, out)).toThrow(
        new RegExp(
          `unary exp: a f32 storage of \\d+ elements \\(\\d+ bytes\\) spans ${parts.length} buffers, each binding at most \\d+ bytes \\(maxStorageBufferBindingSize\\)`,
        ),
      );
    } finally {
      gpu!.free(big);
      gpu!.free(out);
    }
  });

  it('device loss becomes a DeviceError on the next use', async () => {
    const lost = await createWebGPUBackend();
    const x = lost.alloc(4, 'f32');
    lost.device.destroy();
    await lost.device.lost;
    expect(() => lost.fill(x, 1)).toThrow(DeviceError);
    await expect(lost.read(x)).rejects.toThrow(/device lost/);
  });
});
