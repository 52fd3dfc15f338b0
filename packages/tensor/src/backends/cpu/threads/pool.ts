import { DeviceError } from '../../../errors.js';
import { WORKER_SOURCE } from './worker-source.js';

/**
 * The one CPU worker pool of @agentlm/tensor (the GEMV and GEMM of inference and training split across it).
 *
 * `lanes` threads share the work of a kernel call: the calling thread and `lanes - 1` workers. A call is a job:
 * up to PLANS_PER_LANE plans per lane (WebAssembly calls and memory copies, see worker-source.ts) written into a
 * shared control block. The caller bumps a generation counter and notifies; every thread, the caller first,
 * then claims plans one at a time (a compare-and-swap on the plan's claim word, tagged with the generation, so a
 * thread that wakes late claims nothing of a later job) and runs them; the caller returns once every plan is
 * done, spinning briefly before blocking (on a browser's main thread, where Atomics.wait is refused, it spins).
 * The caller never waits for a thread that is not running: it takes the plans nobody has claimed. Kernels split
 * work by output columns (never by k) and each plan's work is fixed when the job is built, so every output is
 * computed by the same instructions in the same order whatever thread runs it: results are bit-identical to one
 * thread.
 *
 * Workers see only shared memory: kernels that use the pool keep their operands in shared WebAssembly memories
 * (the GEMV arenas, the GEMM's workspace) and register them here with the compiled modules to run on them.
 *
 * Lanes: `AGENTLM_THREADS` in the environment, else one per core (`os.availableParallelism()`,
 * `navigator.hardwareConcurrency`); `setCpuThreads(n)` changes it, and 1 runs everything on the calling thread.
 * Browsers get workers only where `crossOriginIsolated` (shared memory needs it). Workers are unref'd: an idle
 * pool never keeps a Node process alive.
 */

const GEN = 0;
const LEFT = 1;
const REQUIRED = 2;
const STOP = 3;
const ERROR = 4;
const PLANS = 5;
const CLAIMS = 16;
/** Plans a job may have per lane: more plans than threads let a thread that is awake take a sleeping one's. */
export const PLANS_PER_LANE = 4;
/** Ints of one plan. */
const PLAN_INTS = 1 << 16;
const CALL = 1;
const COPY = 2;
/** Polls of the counter before blocking. */
const SPINS = 20000;

/** Whether WebAssembly memories can be shared with workers here. */
export const sharedMemory =
  typeof SharedArrayBuffer !== 'undefined' &&
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;

interface WorkerHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

type Fn = (...args: number[]) => unknown;

/** A job's plans, one per lane. */
export class Job {
  readonly lengths: number[];

  constructor(
    private readonly pool: Pool,
    readonly plans: number,
  ) {
    this.lengths = new Array(plans).fill(0);
  }

  /** Ints left in plan `lane`. */
  room(lane: number): number {
    return PLAN_INTS - 1 - this.lengths[lane];
  }

  /** Plan `lane` calls export `fn` (an id from Pool.fn) with integer arguments (pointers, sizes). */
  call(lane: number, fn: number, ...args: number[]): void {
    this.push(lane, [CALL, fn, args.length, ...args]);
  }

  /** Plan `lane` copies `rows` runs of `rowBytes` bytes between shared memories (ids from Pool.memory). */
  copy(
    lane: number,
    src: number,
    srcAt: number,
    srcStride: number,
    dst: number,
    dstAt: number,
    dstStride: number,
    rowBytes: number,
    rows: number,
  ): void {
    this.push(lane, [COPY, src, srcAt, srcStride, dst, dstAt, dstStride, rowBytes, rows]);
  }

  private push(lane: number, ops: number[]): void {
    if (ops.length > this.room(lane)) throw new DeviceError(`cpu pool: plan ${lane} is full`);
    const at = this.pool.planAt(lane) + 1 + this.lengths[lane];
    this.pool.control.set(ops, at);
    this.lengths[lane] += ops.length;
  }
}

export class Pool {
  readonly control: Int32Array;
  private readonly memories = new Map<WebAssembly.Memory, number>();
  private readonly modules = new Map<WebAssembly.Module, number>();
  private readonly fnIds = new Map<string, number>();
  /** Lane 0's functions (the calling thread's own instances) and memories, by id. */
  private readonly localFns: Fn[] = [];
  private readonly localMemories: WebAssembly.Memory[] = [];
  private readonly localInstances = new Map<string, WebAssembly.Instance>();
  private unsent: { memories: unknown[][]; modules: unknown[][]; fns: unknown[][] } = {
    memories: [],
    modules: [],
    fns: [],
  };
  private seq = 0;
  private canBlock = true;
  /** Jobs run so far (for tests: whether a kernel went through the pool). */
  jobs = 0;
  private closed = false;

  constructor(
    readonly lanes: number,
    private readonly workers: WorkerHandle[],
    control: SharedArrayBuffer,
  ) {
    this.control = new Int32Array(control);
  }

  /** Plans a job may have. */
  get maxPlans(): number {
    return this.lanes * PLANS_PER_LANE;
  }

  planAt(plan: number): number {
    return planBase(this.lanes) + plan * PLAN_INTS;
  }

  /** The id of a shared memory, registered with the workers at the next job. */
  memory(memory: WebAssembly.Memory): number {
    let id = this.memories.get(memory);
    if (id === undefined) {
      id = this.memories.size;
      this.memories.set(memory, id);
      this.localMemories[id] = memory;
      this.unsent.memories.push([id, memory]);
    }
    return id;
  }

  /** The id of export `name` of `module` instantiated on `memory` (in every lane). */
  fn(module: WebAssembly.Module, memory: WebAssembly.Memory, name: string): number {
    const memoryId = this.memory(memory);
    let moduleId = this.modules.get(module);
    if (moduleId === undefined) {
      moduleId = this.modules.size;
      this.modules.set(module, moduleId);
      this.unsent.modules.push([moduleId, module]);
    }
    const key = `${moduleId}:${memoryId}:${name}`;
    let id = this.fnIds.get(key);
    if (id === undefined) {
      id = this.fnIds.size;
      this.fnIds.set(key, id);
      const instanceKey = `${moduleId}:${memoryId}`;
      let instance = this.localInstances.get(instanceKey);
      if (!instance) {
        instance = new WebAssembly.Instance(module, { env: { memory } });
        this.localInstances.set(instanceKey, instance);
      }
      this.localFns[id] = instance.exports[name] as Fn;
      this.unsent.fns.push([id, moduleId, memoryId, name]);
    }
    return id;
  }

  /** Builds a job of `plans` plans (at most maxPlans) with `build`, runs it and returns when every plan is done. */
  run(plans: number, build: (job: Job) => void): void {
    if (this.closed) throw new DeviceError('cpu pool: used after it was stopped');
    const job = new Job(this, plans);
    build(job);
    this.jobs++;
    const c = this.control;
    for (let p = 0; p < plans; p++) c[this.planAt(p)] = job.lengths[p];
    if (this.unsent.fns.length + this.unsent.memories.length > 0) {
      this.seq++;
      const message = { type: 'register', seq: this.seq, ...this.unsent };
      for (const w of this.workers) w.postMessage(message);
      this.unsent = { memories: [], modules: [], fns: [] };
      Atomics.store(c, REQUIRED, this.seq);
    }
    const gen = c[GEN] + 1;
    Atomics.store(c, LEFT, plans);
    Atomics.store(c, PLANS, plans);
    for (let p = 0; p < plans; p++) Atomics.store(c, CLAIMS + p, -gen); // open for this generation
    Atomics.store(c, GEN, gen);
    Atomics.notify(c, GEN, plans - 1);
    this.claim(gen);
    let spins = 0;
    for (let left = Atomics.load(c, LEFT); left !== 0; left = Atomics.load(c, LEFT)) {
      if (++spins > SPINS && this.canBlock) this.block(left);
    }
    if (Atomics.load(c, ERROR)) {
      Atomics.store(c, ERROR, 0);
      throw new DeviceError('cpu pool: a worker failed running its share of a kernel (see stderr)');
    }
  }

  /** Claims and runs the plans of generation `gen` nobody has taken (the interpreter of worker-source.ts). */
  private claim(gen: number): void {
    const c = this.control;
    const plans = Atomics.load(c, PLANS);
    for (let p = 0; p < plans; p++) {
      if (Atomics.compareExchange(c, CLAIMS + p, -gen, gen) !== -gen) continue;
      this.execute(p);
      if (Atomics.sub(c, LEFT, 1) === 1) Atomics.notify(c, LEFT);
    }
  }

  private block(left: number): void {
    try {
      Atomics.wait(this.control, LEFT, left);
    } catch {
      this.canBlock = false; // a browser's main thread: spin
    }
  }

  /** Runs plan `plan` on this thread. */
  private execute(plan: number): void {
    const c = this.control;
    const start = this.planAt(plan) + 1;
    const end = start + c[start - 1];
    for (let at = start; at < end; ) {
      if (c[at] === CALL) {
        const argc = c[at + 2];
        this.localFns[c[at + 1]](...c.subarray(at + 3, at + 3 + argc));
        at += 3 + argc;
        continue;
      }
      const src = new Uint8Array(this.localMemories[c[at + 1]].buffer);
      const dst = new Uint8Array(this.localMemories[c[at + 4]].buffer);
      const [srcStride, dstStride, bytes] = [c[at + 3] >>> 0, c[at + 6] >>> 0, c[at + 7] >>> 0];
      let from = c[at + 2] >>> 0;
      let to = c[at + 5] >>> 0;
      for (let r = 0; r < c[at + 8]; r++, from += srcStride, to += dstStride) {
        dst.set(src.subarray(from, from + bytes), to);
      }
      at += 9;
    }
  }

  stop(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GEN, 1);
    Atomics.notify(this.control, GEN);
    for (const w of this.workers) w.terminate();
  }
}

/** Where the plans start in the control block: after the header and one claim word per plan. */
const planBase = (lanes: number) => CLAIMS + Math.ceil((lanes * PLANS_PER_LANE) / 16) * 16;

let pool: Pool | null = null;
let starting: Promise<Pool | null> | null = null;
/** Lanes asked for by setCpuThreads; undefined: the default. */
let wanted: number | undefined;
/** Whether a kernel has started the default pool already (it is started once, not on every call). */
let autoStarted = false;

/** AGENTLM_THREADS, when set. */
function envLanes(): number | undefined {
  const env = typeof process !== 'undefined' ? process.env?.AGENTLM_THREADS : undefined;
  if (env === undefined || env === '') return undefined;
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1) {
    throw new DeviceError(`AGENTLM_THREADS must be a positive integer, got '${env}'`);
  }
  return n;
}

/** Lanes by default: AGENTLM_THREADS, else one per core. */
async function defaultLanes(): Promise<number> {
  const env = envLanes();
  if (env !== undefined) return env;
  if (typeof process !== 'undefined' && process.versions?.node) {
    const os = (await import(/* @vite-ignore */ 'node:os' as string)) as typeof import('node:os');
    return os.availableParallelism();
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Starts `count` workers running WORKER_SOURCE on `control`, resolved when all are ready. */
async function startWorkers(count: number, control: SharedArrayBuffer): Promise<WorkerHandle[]> {
  const node = typeof process !== 'undefined' && process.versions?.node;
  const made: { handle: WorkerHandle; ready: Promise<void> }[] = [];
  for (let i = 0; i < count; i++) {
    const init = { type: 'init', control, lane: i + 1, planBase: planBase(count + 1), planInts: PLAN_INTS };
    if (node) {
      const { Worker } = (await import(
        /* @vite-ignore */ 'node:worker_threads' as string
      )) as typeof import('node:worker_threads');
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      const ready = new Promise<void>((resolve, reject) => {
        worker.on('message', (m: { type: string; message?: string }) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'error') console.error(`agentlm cpu worker: ${m.message}`);
        });
        worker.once('error', reject);
      });
      worker.postMessage(init);
      made.push({ handle: worker, ready });
    } else {
      const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      const worker = new Worker(url);
      const ready = new Promise<void>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent) => {
          if (e.data.type === 'ready') resolve();
          else if (e.data.type === 'error') console.error(`agentlm cpu worker: ${e.data.message}`);
        };
        worker.onerror = reject;
      });
      worker.postMessage(init);
      made.push({ handle: worker, ready });
    }
  }
  await Promise.all(made.map((m) => m.ready));
  // once ready (a pending start must keep the process alive), and after the listeners, which would ref it again
  for (const m of made) (m.handle as { unref?: () => void }).unref?.();
  return made.map((m) => m.handle);
}

async function start(lanes: number): Promise<Pool | null> {
  if (lanes <= 1 || !sharedMemory) return null;
  const control = new SharedArrayBuffer((planBase(lanes) + lanes * PLANS_PER_LANE * PLAN_INTS) * 4);
  const workers = await startWorkers(lanes - 1, control);
  return new Pool(lanes, workers, control);
}

/**
 * @internal The running pool, or null: one lane (threads set to 1, no shared memory here), or workers still
 * starting (the first call starts them; kernels run on the calling thread until they are ready).
 */
export function cpuPool(): Pool | null {
  if (!autoStarted && starting === null && pool === null) {
    autoStarted = true;
    if (wanted === undefined && envLanes() !== 1) void setCpuThreads(undefined).catch(reportStartFailure);
  }
  return pool;
}

function reportStartFailure(err: unknown): void {
  console.error(`agentlm: the CPU worker pool did not start, kernels run on one thread: ${err}`);
}

/** Lanes (threads, the caller included) the CPU kernels use now: 1 until a pool has started. */
export function cpuThreads(): number {
  return pool?.lanes ?? 1;
}

/**
 * Sets the lanes of the CPU worker pool (default: AGENTLM_THREADS, else one per core) and resolves with the lane
 * count once its workers are ready; 1 stops the workers and runs every kernel on the calling thread.
 */
export async function setCpuThreads(lanes?: number): Promise<number> {
  if (lanes !== undefined && !(Number.isInteger(lanes) && lanes >= 1)) {
    throw new DeviceError(`setCpuThreads: lanes must be a positive integer, got ${lanes}`);
  }
  wanted = lanes;
  autoStarted = true;
  const previous = starting;
  const next = (async () => {
    await previous?.catch(() => null);
    const n = lanes ?? (await defaultLanes());
    if (pool?.lanes === n) return pool;
    pool?.stop();
    pool = null;
    pool = await start(n);
    return pool;
  })();
  starting = next;
  try {
    await next;
  } finally {
    if (starting === next) starting = null;
  }
  return cpuThreads();
}
