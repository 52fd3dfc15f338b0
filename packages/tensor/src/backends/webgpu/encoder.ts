/// <reference types="@webgpu/types" />
import { BUFFER_USAGE, type DeviceHealth, MAP_READ_MODE } from './device.js';
import type { BufferPool } from './pool.js';

/** Bytes of uniform parameters one dispatch may carry (the size of the WGSL Params block). */
export const MAX_UNIFORM_BYTES = 256;
/** Dispatches recorded before the encoder submits on its own. */
const DISPATCHES_PER_SUBMIT = 128;

interface CachedPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** A storage binding: a buffer and how many bytes of it the kernel reads or writes. */
export interface Binding {
  buffer: GPUBuffer;
  bytes: number;
}

export interface EncoderStats {
  pipelines: number;
  pipelineHits: number;
  pipelineMisses: number;
  submits: number;
  dispatches: number;
}

/**
 * Records many dispatches into one compute pass and submits them together. Each dispatch's
 * parameters go into one uniform arena per submit (written once, just before the submit).
 * Compute pipelines are cached by their WGSL text.
 */
export class Encoder {
  private readonly pipelines = new Map<string, CachedPipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly arenaStride: number;
  private readonly arenaBytes: Uint8Array<ArrayBuffer>;
  private arena: GPUBuffer;
  private arenaUsed = 0;
  private pending = 0;
  private readonly counters = { pipelineHits: 0, pipelineMisses: 0, submits: 0, dispatches: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly health: DeviceHealth,
  ) {
    this.arenaStride = Math.max(MAX_UNIFORM_BYTES, device.limits.minUniformBufferOffsetAlignment);
    this.arenaBytes = new Uint8Array(this.arenaStride * DISPATCHES_PER_SUBMIT);
    // One arena buffer serves every submit: queue.writeBuffer for submit N+1 is ordered after submit N.
    this.arena = device.createBuffer({
      size: this.arenaBytes.byteLength,
      usage: BUFFER_USAGE.UNIFORM | BUFFER_USAGE.COPY_DST,
    });
  }

  pipeline(code: string): CachedPipeline {
    let p = this.pipelines.get(code);
    if (p) {
      this.counters.pipelineHits++;
      return p;
    }
    this.counters.pipelineMisses++;
    const module = this.device.createShaderModule({ code });
    const pipeline = this.device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    p = { pipeline, layout: pipeline.getBindGroupLayout(0) };
    this.pipelines.set(code, p);
    return p;
  }

  /**
   * Records one dispatch of the kernel `code`: binding 0 is its uniform parameters, bindings 1..n
   * the storage buffers in order.
   */
  dispatch(
    code: string,
    params: ArrayBufferView,
    buffers: Binding[],
    workgroups: [number, number?, number?],
  ): void {
    this.health.check();
    if (params.byteLength > MAX_UNIFORM_BYTES)
      throw new Error(`kernel parameters of ${params.byteLength} bytes`);
    if (this.pending === DISPATCHES_PER_SUBMIT) this.flush();
    const { pipeline, layout } = this.pipeline(code);
    const offset = this.arenaUsed;
    this.arenaBytes.set(new Uint8Array(params.buffer, params.byteOffset, params.byteLength), offset);
    this.arenaUsed += this.arenaStride;
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset, size: MAX_UNIFORM_BYTES } },
    ];
    buffers.forEach((b, i) => {
      entries.push({
        binding: i + 1,
        resource: { buffer: b.buffer, offset: 0, size: align(Math.max(b.bytes, 4), 4) },
      });
    });
    const bindGroup = this.device.createBindGroup({ layout, entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y = 1, z = 1] = workgroups;
    pass.dispatchWorkgroups(x, y, z);
    this.pending++;
    this.counters.dispatches++;
  }

  /** Records a buffer-to-buffer copy (ends the current compute pass; the next dispatch opens another). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.health.check();
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.pending++;
  }

  /** Submits everything recorded so far. */
  flush(): void {
    this.health.check();
    if (!this.encoder) return;
    this.endPass();
    if (this.arenaUsed > 0) this.device.queue.writeBuffer(this.arena, 0, this.arenaBytes, 0, this.arenaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.arenaUsed = 0;
    this.pending = 0;
    this.counters.submits++;
    this.pool.afterSubmit();
  }

  /** Copies `bytes` bytes of `src` back to the host (flushes pending work first). */
  async read(src: GPUBuffer, bytes: number, srcOffset = 0): Promise<ArrayBuffer> {
    const size = align(bytes, 4);
    const staging = this.device.createBuffer({ size, usage: BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST });
    try {
      this.copy(src, srcOffset, staging, 0, size);
      this.flush();
      await staging.mapAsync(MAP_READ_MODE);
      const out = staging.getMappedRange().slice(0, bytes);
      staging.unmap();
      return out;
    } catch (e) {
      this.health.check();
      throw e;
    } finally {
      staging.destroy();
    }
  }

  stats(): EncoderStats {
    return { pipelines: this.pipelines.size, ...this.counters };
  }

  destroy(): void {
    this.arena.destroy();
    this.pipelines.clear();
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }
}

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
