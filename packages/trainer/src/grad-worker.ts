/**
 * A data-parallel gradient worker (a Node worker thread; see parallel.ts). It holds a replica of the model
 * on the CPU backend; each step it receives the current weights and its micro-batches and posts each
 * micro-batch's gradients as soon as they are ready, so the main thread can add them in sequential order.
 */
import { parentPort } from 'node:worker_threads';
import { parseConfig, type YoutuConfig, YoutuModel } from '@agentlm/model';
import { initBackend, setCpuThreads, type Tensor, tensor, zeroGrad } from '@agentlm/tensor';
import { type MicroBatchJob, microBatchGradient } from './micro-batch.js';
import type { Precision } from './precision.js';

export type WorkerRequest =
  | {
      type: 'init';
      config: Record<string, unknown>;
      names: string[];
      shapes: number[][];
      precision: Precision;
      /** Threads of this thread's CPU kernel pool (its share of the cores). */
      kernelThreads: number;
    }
  | { type: 'step'; weights: Float32Array[]; jobs: MicroBatchJob[] };

export type WorkerReply =
  | { type: 'ready' }
  /** One per job of a step, in job order, posted as each finishes. */
  | { type: 'result'; loss: number; grads: Float32Array[] }
  | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('grad-worker.js runs as a worker thread (new Worker(...)), not as a script');

let setup: { config: YoutuConfig; names: string[]; shapes: number[][]; precision: Precision } | null = null;

function post(reply: WorkerReply): void {
  (port as NonNullable<typeof port>).postMessage(
    reply,
    reply.type === 'result' ? reply.grads.map((g) => g.buffer as ArrayBuffer) : [],
  );
}

async function step(weights: Float32Array[], jobs: MicroBatchJob[]): Promise<void> {
  if (!setup) throw new Error('step before init');
  const { config, names, shapes, precision } = setup;
  const params = new Map<string, Tensor>();
  names.forEach((name, i) => {
    params.set(name, tensor(weights[i] as Float32Array, shapes[i] as number[], { requiresGrad: true }));
  });
  const model = YoutuModel.fromParams(config, params);
  try {
    for (const job of jobs) {
      const loss = await microBatchGradient(model, job, precision);
      const grads: Float32Array[] = [];
      for (const p of params.values())
        grads.push(p.grad ? ((await p.grad.data()) as Float32Array) : new Float32Array(p.size));
      zeroGrad([...params.values()]);
      post({ type: 'result', loss, grads });
    }
  } finally {
    model.dispose();
  }
}

port.on('message', (request: WorkerRequest) => {
  const run = async () => {
    if (request.type === 'step') return step(request.weights, request.jobs);
    await initBackend('cpu');
    await setCpuThreads(request.kernelThreads);
    setup = { ...request, config: parseConfig(request.config, 'grad-worker config') };
    post({ type: 'ready' });
  };
  run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
