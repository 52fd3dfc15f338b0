import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { SandboxError, SynthOptionError } from './errors.js';
import type { SandboxReply, SandboxRequest, SandboxWorkerData } from './sandbox-worker.js';

/** Resource limits of one code execution. */
export interface SandboxLimits {
  /** Wall-clock budget of the program and the promise jobs it queues; the interpreter is interrupted past it. */
  timeoutMs: number;
  /** Heap ceiling of the QuickJS runtime. */
  memoryBytes: number;
  /** QuickJS stack ceiling (recursion depth: about 6,000 plain calls per MiB). At most 4 MiB. */
  stackBytes: number;
  /** Printed output kept (the rest is cut, so a print loop cannot flood the trajectory). */
  maxOutputChars: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 1000,
  memoryBytes: 32 << 20,
  stackBytes: 1 << 20,
  maxOutputChars: 4000,
};

/**
 * Why a run failed: `error` an uncaught exception or rejection of the program; `timeout` past
 * `timeoutMs`; `memory` past `memoryBytes`; `stack` past `stackBytes` (or the thread's own stack);
 * `unsettled` the last value is a promise nothing is left to settle; `crash` the QuickJS instance
 * faulted (it was replaced; later runs are unaffected).
 */
export type SandboxFailure = 'error' | 'timeout' | 'memory' | 'stack' | 'unsettled' | 'crash';

export interface SandboxResult {
  ok: boolean;
  /** What `console.log` printed, one line per call. */
  stdout: string;
  /** The last value (settled, when it is a promise), as JSON-compatible data. */
  value?: unknown;
  /** `Name: message` of the failure: the uncaught error, `TimeoutError: ran past N ms`, … */
  error?: string;
  /** Set when `ok` is false. */
  failure?: SandboxFailure;
  timedOut: boolean;
}

/** Counters of the process's QuickJS sandbox (all workers so far), to watch that hostile runs leave nothing behind. */
export interface SandboxStats {
  runs: number;
  /** Runs after which the instance was replaced because QuickJS faulted (see `SandboxFailure` 'crash'). */
  faults: number;
  /** Instances replaced because a run exhausted the heap. */
  recycles: number;
  /** QuickJS WebAssembly instances made (one per worker, one more after every fault or recycle). */
  instances: number;
  /** Workers started (one more after every run stopped from outside). */
  workers: number;
  /** Linear memory of the current QuickJS instance (WebAssembly memory never shrinks); 0 while no worker runs. */
  wasmBytes: number;
}

/**
 * Slots of the shared counters: the reply sequence (bumped and notified after every reply, so the
 * caller can block on it with `Atomics.wait`), then what the worker did, readable by the caller at
 * any time, even after it stopped the worker.
 */
export const COUNTER = { replies: 0, runs: 1, faults: 2, recycles: 3, instances: 4, wasmPages: 5 } as const;
export const COUNTERS = 6;

/** Extra wait past `timeoutMs` before a run that never returns to the interpreter is stopped from outside. */
const GRACE_MS = 2000;
const START_TIMEOUT_MS = 60_000;
/** Native stack of the worker thread: far above `stackBytes`, so QuickJS's own check fires first. */
const WORKER_STACK_MB = 64;
const MAX_STACK_BYTES = 4 << 20;

function workerScript(): URL {
  const beside = new URL('./sandbox-worker.js', import.meta.url);
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/sandbox-worker.js', import.meta.url);
}

/** Counters of the workers stopped so far, summed. */
const retired = new Int32Array(COUNTERS);
let workersStarted = 0;

/**
 * The thread that owns QuickJS, shared by every `Sandbox` of the process (unref'd: it never keeps
 * the process alive). Requests are answered through a message port; the caller blocks on a shared
 * counter, so `Sandbox.run` stays synchronous.
 */
class QuickJSWorker {
  private static current: QuickJSWorker | undefined;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly counters = new Int32Array(new SharedArrayBuffer(COUNTERS * 4));
  private nextId = 1;
  private exited: string | undefined;
  /** The worker's answer to starting (its reply 0), kept whichever wait drained it. */
  private start: SandboxReply | undefined;

  private constructor() {
    const { port1, port2 } = new MessageChannel();
    const data: SandboxWorkerData = { port: port2, counters: this.counters };
    this.worker = new Worker(workerScript(), {
      workerData: data,
      transferList: [port2],
      resourceLimits: { stackSizeMb: WORKER_STACK_MB },
      // Not the caller's Node flags: `--input-type`, `-e` or loaders have no place in this plain-JS thread.
      execArgv: [],
    });
    this.worker.on('error', (err) => {
      this.exited = err.message;
    });
    this.worker.on('exit', (code) => {
      this.exited ??= `exited with code ${code}`;
      this.retire();
    });
    this.worker.unref();
    this.port = port1;
    this.port.unref();
    workersStarted++;
  }

  /** The shared worker, started (and awaited) when there is none. */
  static async shared(): Promise<QuickJSWorker> {
    if (QuickJSWorker.current) return QuickJSWorker.current;
    const worker = new QuickJSWorker();
    QuickJSWorker.current = worker;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!worker.take(0) && !worker.start && !worker.exited && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return worker.started();
  }

  /** The shared worker, started synchronously (blocking) when the last one was stopped. */
  static sharedSync(): QuickJSWorker {
    if (QuickJSWorker.current) return QuickJSWorker.current;
    const worker = new QuickJSWorker();
    QuickJSWorker.current = worker;
    worker.wait(0, START_TIMEOUT_MS);
    return worker.started();
  }

  private started(): QuickJSWorker {
    if (this.start?.type === 'ready') return this;
    this.stop();
    const why = this.start?.type === 'failed' ? this.start.message : (this.exited ?? 'no answer');
    throw new SandboxError(`cannot start the QuickJS worker (${fileURLToPath(workerScript())}): ${why}`);
  }

  /** The shared worker's counters plus those of the workers before it. */
  static stats(): SandboxStats {
    const live = QuickJSWorker.current?.counters;
    const total = (slot: number) => (retired[slot] ?? 0) + (live ? Atomics.load(live, slot) : 0);
    return {
      runs: total(COUNTER.runs),
      faults: total(COUNTER.faults),
      recycles: total(COUNTER.recycles),
      instances: total(COUNTER.instances),
      workers: workersStarted,
      wasmBytes: (live ? Atomics.load(live, COUNTER.wasmPages) : 0) * (64 << 10),
    };
  }

  /** Sends a request and blocks until its reply, or returns undefined after `timeoutMs`. */
  request(request: Omit<SandboxRequest, 'id'>, timeoutMs: number): SandboxReply | undefined {
    const id = this.nextId++;
    this.port.postMessage({ ...request, id } satisfies SandboxRequest);
    return this.wait(id, timeoutMs);
  }

  private wait(id: number, timeoutMs: number): SandboxReply | undefined {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Read the counter before draining: a reply posted after the drain bumps it and wakes the wait.
      const seen = Atomics.load(this.counters, COUNTER.replies);
      const reply = this.take(id);
      if (reply || (id === 0 && this.start)) return reply ?? this.start;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.counters, COUNTER.replies, seen, Math.min(left, 100));
    }
  }

  /** The reply to `id` among the messages that arrived (older, abandoned replies are dropped). */
  private take(id: number): SandboxReply | undefined {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const reply = m.message as SandboxReply;
      if (reply.id === 0) this.start = reply;
      if (reply.id === id) return reply;
    }
    return undefined;
  }

  stop(): void {
    this.retire();
    this.port.close();
    void this.worker.terminate();
  }

  /** No longer the shared worker: its counters join the retired ones (once). */
  private retire(): void {
    if (QuickJSWorker.current !== this) return;
    QuickJSWorker.current = undefined;
    for (const slot of [COUNTER.runs, COUNTER.faults, COUNTER.recycles, COUNTER.instances])
      retired[slot] = (retired[slot] ?? 0) + Atomics.load(this.counters, slot);
  }
}

function checkLimits(limits: SandboxLimits): SandboxLimits {
  const positive = (name: keyof SandboxLimits, max = Number.MAX_SAFE_INTEGER) => {
    const v = limits[name];
    if (!Number.isInteger(v) || v <= 0 || v > max)
      throw new SynthOptionError(`sandbox ${name}`, v, `a positive integer up to ${max}`);
  };
  positive('timeoutMs');
  positive('memoryBytes');
  positive('stackBytes', MAX_STACK_BYTES);
  positive('maxOutputChars');
  return limits;
}

/**
 * Runs untrusted JavaScript in QuickJS compiled to WebAssembly. Each `run` gets a fresh runtime and
 * context: no `require`, `process`, `fetch`, modules, file or network access exists inside (only the
 * ECMAScript built-ins and a `console.log` that records output), and time, memory and stack are
 * capped. `run` always returns a result: every failure of the program (and every fault of QuickJS
 * itself) is a failed `SandboxResult`, never an exception, and nothing the run made outlives it.
 */
export class Sandbox {
  private constructor(readonly limits: SandboxLimits) {}

  /** Starts (or joins) the process's QuickJS worker; throws `SandboxError` when it cannot start. */
  static async create(limits: Partial<SandboxLimits> = {}): Promise<Sandbox> {
    const sandbox = new Sandbox(checkLimits({ ...DEFAULT_LIMITS, ...limits }));
    await QuickJSWorker.shared();
    return sandbox;
  }

  /**
   * Evaluates `code` (a script, or an ES module when it has `import`/`export` statements), runs the
   * promise jobs it queues, and reports the last value (a promise is awaited within the time budget).
   */
  run(code: string): SandboxResult {
    if (typeof code !== 'string') throw new SynthOptionError('code', code, 'JavaScript source text');
    let worker: QuickJSWorker;
    try {
      // Restarted (blocking) when the last run had to be stopped from outside.
      worker = QuickJSWorker.sharedSync();
    } catch (err) {
      return {
        ok: false,
        stdout: '',
        error: `${(err as Error).name}: ${(err as Error).message}`,
        failure: 'crash',
        timedOut: false,
      };
    }
    const reply = worker.request({ code, limits: this.limits }, this.limits.timeoutMs + GRACE_MS);
    if (reply?.type === 'result') return reply.result;
    worker.stop();
    return {
      ok: false,
      stdout: '',
      error: `TimeoutError: ran past ${this.limits.timeoutMs} ms (stopped from outside the interpreter)`,
      failure: 'timeout',
      timedOut: true,
    };
  }

  /** Counters of the process's sandbox (runs, faults, replaced instances and workers, memory); for soak tests and monitoring. */
  stats(): SandboxStats {
    return QuickJSWorker.stats();
  }
}
