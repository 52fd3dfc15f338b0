import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { configToJSON, type YoutuModel } from '@agentlm/model';
import { accumulateGrad, setCpuThreads, tensor } from '@agentlm/tensor';
import { TrainerError } from './errors.js';
import type { WorkerReply, WorkerRequest } from './grad-worker.js';
import { type MicroBatchJob, microBatchGradient } from './micro-batch.js';
import type { Precision } from './precision.js';

/**
 * The worker script: dist/grad-worker.js beside the bundle. Run from TypeScript sources (the package's own
 * tests) the sibling is a .ts file a worker thread cannot load, so the built one is used.
 */
function workerScript(): URL {
  const beside = new URL('./grad-worker.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/grad-worker.js', import.meta.url);
}

type JobResult = Extract<WorkerReply, { type: 'result' }>;

/** A worker thread and the replies it still owes, answered in the order they were asked for. */
class GradientWorker {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }[] = [];

  constructor() {
    this.worker = new Worker(workerScript());
    this.worker.on('message', (reply: WorkerReply) => {
      const next = this.waiting.shift();
      if (reply.type === 'error') {
        const error = new TrainerError(`gradient worker: ${reply.message}`, 'WORKER_FAILED');
        next?.reject(error);
        for (const w of this.waiting.splice(0)) w.reject(error);
      } else next?.resolve(reply);
    });
    this.worker.on('error', (e) => {
      const error = new TrainerError(`gradient worker crashed: ${e.message}`, 'WORKER_FAILED');
      for (const w of this.waiting.splice(0)) w.reject(error);
    });
  }

  /** Sends a message and returns the promises of the next `replies` replies. */
  send(message: WorkerRequest, replies: number): Promise<WorkerReply>[] {
    const promises = Array.from(
      { length: replies },
      () => new Promise<WorkerReply>((resolve, reject) => this.waiting.push({ resolve, reject })),
    );
    this.worker.postMessage(message);
    // a failed step rejects every reply it owed; the caller sees the first, the rest must not go unhandled
    for (const p of promises) p.catch(() => {});
    return promises;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The lanes `auto` means: one per core, no more than micro-batches per step; data parallelism is cpu-only. */
export function resolveWorkers(setting: number | 'auto', backend: string, microBatches: number): number {
  if (setting !== 'auto') return setting;
  return backend === 'cpu' ? Math.max(1, Math.min(availableParallelism(), microBatches)) : 1;
}

/**
 * Threads of @agentlm/tensor's CPU pool for each of `lanes` data-parallel lanes: the cores shared out, so lanes ×
 * kernel threads never exceed them (one lane keeps the pool's own default, every core on its products).
 */
export function kernelThreadsPerLane(lanes: number): number {
  return Math.max(1, Math.floor(availableParallelism() / lanes));
}

/**
 * Data parallelism on one machine: the micro-batches of an optimizer step are dealt round-robin to the main
 * thread and `workers - 1` worker threads, each holding a replica of the model on the CPU backend. Every
 * micro-batch's gradient comes back separately and is added into `.grad` in micro-batch order with the same
 * f32 adds the sequential loop does, so a parallel run ends with bit-identical weights. Each lane's matrix
 * products run on its share of the cores (kernelThreadsPerLane); the pool's products are bit-identical to one
 * thread, so this changes speed, never results.
 */
export class DataParallel {
  private constructor(
    private readonly model: YoutuModel,
    private readonly precision: Precision,
    private readonly workers: GradientWorker[],
  ) {}

  static async start(model: YoutuModel, workers: number, precision: Precision): Promise<DataParallel> {
    if (!Number.isInteger(workers) || workers < 1)
      throw new TrainerError(`workers must be a positive integer, got ${workers}`, 'CONFIG');
    if (workers > 1 && model.backend.name !== 'cpu')
      throw new TrainerError(
        `workers: ${workers} needs the cpu backend (worker threads hold CPU replicas), got ${model.backend.name}`,
        'CONFIG',
      );
    const names = [...model.params.keys()];
    const shapes = model.parameters().map((p) => [...p.shape]);
    const kernelThreads = kernelThreadsPerLane(workers);
    if (workers > 1) await setCpuThreads(kernelThreads);
    const threads = Array.from({ length: workers - 1 }, () => new GradientWorker());
    const init: WorkerRequest = {
      type: 'init',
      config: configToJSON(model.config),
      names,
      shapes,
      precision,
      kernelThreads,
    };
    await Promise.all(threads.flatMap((w) => w.send(init, 1)));
    return new DataParallel(model, precision, threads);
  }

  /**
   * Adds the gradients of `jobs` into the parameters' `.grad`, in job order; returns each job's loss. The main
   * thread's jobs run on the model itself, accumulating into `.grad` as the sequential loop would; a worker's
   * job is added when its reply arrives.
   */
  async accumulate(jobs: MicroBatchJob[]): Promise<number[]> {
    const lanes = this.workers.length + 1;
    const params = this.model.parameters();
    const weights =
      lanes > 1 ? await Promise.all(params.map(async (p) => (await p.data()) as Float32Array)) : [];
    const remote = this.workers.map((w, i) => {
      const share = jobs.filter((_, k) => k % lanes === i + 1);
      return share.length === 0 ? [] : w.send({ type: 'step', weights, jobs: share }, share.length);
    });
    const losses: number[] = [];
    for (let k = 0; k < jobs.length; k++) {
      const lane = k % lanes;
      if (lane === 0) {
        losses.push(await microBatchGradient(this.model, jobs[k] as MicroBatchJob, this.precision));
        continue;
      }
      const reply = (await remote[lane - 1]?.[Math.floor(k / lanes)]) as JobResult;
      losses.push(reply.loss);
      params.forEach((p, i) => {
        accumulateGrad(p, tensor(reply.grads[i] as Float32Array, p.shape, { backend: p.backend }));
      });
    }
    return losses;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    // the main thread's kernels get every core back (the pool's default)
    if (this.workers.length > 0) await setCpuThreads();
  }
}
