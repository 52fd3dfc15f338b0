import { type MessagePort, workerData } from 'node:worker_threads';
import { newQuickJSWASMModuleFromVariant, newVariant, RELEASE_SYNC } from 'quickjs-emscripten';
import { COUNTER, DEFAULT_LIMITS, type SandboxLimits, type SandboxResult } from './sandbox.js';
import { evaluate, ModuleFault, type QuickJSInstance } from './sandbox-eval.js';

// The thread that owns the QuickJS WebAssembly module (loaded by URL, beside index.js). Running it off
// the caller's thread gives QuickJS a deep native stack of its own, lets the caller stop a run that
// never returns to the interpreter, and lets a fresh module be made asynchronously while the caller
// waits synchronously.

export interface SandboxRequest {
  id: number;
  code: string;
  limits: SandboxLimits;
}

export type SandboxReply =
  | { id: number; type: 'ready' }
  | { id: number; type: 'failed'; message: string }
  | { id: number; type: 'result'; result: SandboxResult };

export interface SandboxWorkerData {
  port: MessagePort;
  /** `COUNTERS` slots, indexed by `COUNTER`. */
  counters: Int32Array;
}

const { port, counters } = workerData as SandboxWorkerData;

let aborted = false;
const count = (slot: number) => Atomics.add(counters, slot, 1);

/** Static data and the 5 MiB C stack at the bottom of the linear memory; the heap starts above them. */
const STATIC_BYTES = 6 << 20;
/** The smallest linear memory the QuickJS build accepts (its initial memory). */
const MIN_BYTES = 16 << 20;
const PAGE_BYTES = 64 << 10;

/**
 * A fresh, isolated WebAssembly instance of QuickJS whose linear memory cannot grow past
 * `memoryBytes` above its static data and stack (16 MiB at least): this is the hard heap ceiling (an allocation past it fails, and QuickJS
 * throws its out-of-memory error). Its prints go nowhere: QuickJS's assertion text on an abort is the
 * fault, which the run reports; the caller's terminal never sees it.
 */
async function newInstance(memoryBytes: number): Promise<QuickJSInstance> {
  aborted = false;
  const pages = Math.ceil(Math.max(MIN_BYTES, STATIC_BYTES + memoryBytes) / PAGE_BYTES);
  const memory = new WebAssembly.Memory({ initial: MIN_BYTES / PAGE_BYTES, maximum: pages });
  const variant = newVariant(RELEASE_SYNC, {
    wasmMemory: memory,
    emscriptenModule: {
      print: () => {},
      printErr: () => {},
      onAbort: () => {
        aborted = true;
      },
    } as Record<string, unknown>,
  });
  const instance: QuickJSInstance = {
    quickjs: await newQuickJSWASMModuleFromVariant(variant),
    memoryBytes,
    maxBytes: pages * PAGE_BYTES,
    exhausted: false,
  };
  // The C heap grows through this call (emscripten's sbrk): a refusal is how the ceiling is met.
  const grow = memory.grow.bind(memory);
  memory.grow = (delta: number) => {
    try {
      return grow(delta);
    } catch (err) {
      instance.exhausted = true;
      throw err;
    }
  };
  count(COUNTER.instances);
  Atomics.store(counters, COUNTER.wasmPages, memory.buffer.byteLength / PAGE_BYTES);
  return instance;
}

function reply(message: SandboxReply): void {
  port.postMessage(message);
  count(COUNTER.replies);
  Atomics.notify(counters, COUNTER.replies);
}

let instance: QuickJSInstance;

async function handle(request: SandboxRequest): Promise<void> {
  count(COUNTER.runs);
  const { memoryBytes } = request.limits;
  if (instance.memoryBytes !== memoryBytes) instance = await newInstance(memoryBytes);
  let result: SandboxResult;
  try {
    result = evaluate(instance, request.code, request.limits);
    if (aborted) throw new ModuleFault(result);
  } catch (err) {
    if (!(err instanceof ModuleFault)) throw err;
    // The instance is poisoned: drop it (its memory goes with it) and answer once a fresh one is up.
    count(COUNTER.faults);
    result = err.result;
    instance = await newInstance(memoryBytes);
  }
  // A run that filled the heap may have left QuickJS's C glue short of memory: start the next one fresh.
  if (instance.exhausted) {
    count(COUNTER.recycles);
    instance = await newInstance(memoryBytes);
  }
  Atomics.store(counters, COUNTER.wasmPages, instance.quickjs.getWasmMemory().buffer.byteLength / PAGE_BYTES);
  reply({ id: request.id, type: 'result', result });
}

try {
  instance = await newInstance(DEFAULT_LIMITS.memoryBytes);
  let queue = Promise.resolve();
  port.on('message', (request: SandboxRequest) => {
    queue = queue.then(() => handle(request));
  });
  reply({ id: 0, type: 'ready' });
} catch (err) {
  reply({ id: 0, type: 'failed', message: (err as Error).message });
}
