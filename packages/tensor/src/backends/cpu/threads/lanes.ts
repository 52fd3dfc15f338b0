import { isShared } from '../wasm/loader.js';
import { cpuPool, type Job, PLANS_PER_LANE, type Pool } from './pool.js';

type Fn = (...args: number[]) => unknown;

/** WebAssembly kernels instantiated on one memory: this thread's exports and the module holding each. */
export interface KernelSet {
  readonly memory: WebAssembly.Memory;
  readonly fns: Readonly<Record<string, Fn>>;
  readonly modules: Readonly<Record<string, WebAssembly.Module>>;
}

/**
 * The lanes a kernel call is split across: each lane is a plan that one thread runs, its calls and copies in the
 * order given, whichever thread claims it (pool.ts). Without the pool, one lane, run as the calls are made.
 */
export interface Lanes {
  readonly count: number;
  call(lane: number, name: string, ...args: number[]): void;
  /** `rows` runs of `bytes` bytes from `src` to `dst` (byte offsets and strides). */
  copy(
    lane: number,
    src: WebAssembly.Memory,
    srcAt: number,
    srcStride: number,
    dst: WebAssembly.Memory,
    dstAt: number,
    dstStride: number,
    bytes: number,
    rows: number,
  ): void;
  /** Ints left in a lane's plan (a job is bounded; callers split larger work into several). */
  room(lane: number): number;
}

/**
 * Lane `lane`'s share [start, end) of `total` items split over `count` lanes in whole units of `unit` items (the
 * last unit may be short): the same split whatever runs it, so a kernel whose items do not depend on their lane
 * gives the one-lane result bit for bit.
 */
export function laneSpan(lane: number, count: number, total: number, unit: number): [number, number] {
  const units = Math.ceil(total / unit);
  const at = (l: number) => Math.min(total, Math.floor((units * l) / count) * unit);
  return [at(lane), at(lane + 1)];
}

/**
 * Runs `build` on at most `maxLanes` lanes for kernels of `set`: on the pool where one runs and `set`'s memory is
 * shared (the calls become plans, run when `build` returns: `perThread` plans per thread, up to PLANS_PER_LANE, so
 * that threads that are awake can take the plans of one that is not), else directly on this thread.
 */
export function onLanes(
  set: KernelSet,
  maxLanes: number,
  build: (lanes: Lanes) => void,
  perThread = PLANS_PER_LANE,
): void {
  const pool = maxLanes > 1 && isShared(set.memory) ? cpuPool() : null;
  if (pool === null) {
    build(direct(set));
    return;
  }
  const count = Math.min(pool.lanes * Math.min(perThread, PLANS_PER_LANE), maxLanes);
  pool.run(count, (job) => build(planned(pool, job, set, count)));
}

function direct(set: KernelSet): Lanes {
  return {
    count: 1,
    call: (_lane, name, ...args) => set.fns[name](...args),
    copy: (_lane, src, srcAt, srcStride, dst, dstAt, dstStride, bytes, rows) => {
      const from = new Uint8Array(src.buffer);
      const to = new Uint8Array(dst.buffer);
      for (let r = 0; r < rows; r++) {
        const at = srcAt + r * srcStride;
        to.set(from.subarray(at, at + bytes), dstAt + r * dstStride);
      }
    },
    room: () => Number.POSITIVE_INFINITY,
  };
}

/** The pool's function ids of a kernel set's exports, per pool. */
const idsOf = new WeakMap<Pool, WeakMap<KernelSet, Map<string, number>>>();

function planned(pool: Pool, job: Job, set: KernelSet, count: number): Lanes {
  const bySet = idsOf.get(pool) ?? new WeakMap<KernelSet, Map<string, number>>();
  idsOf.set(pool, bySet);
  const known = bySet.get(set) ?? new Map<string, number>();
  bySet.set(set, known);
  const id = (name: string) => {
    let fn = known.get(name);
    if (fn === undefined) {
      fn = pool.fn(set.modules[name], set.memory, name);
      known.set(name, fn);
    }
    return fn;
  };
  return {
    count,
    call: (lane, name, ...args) => job.call(lane, id(name), ...args),
    copy: (lane, src, srcAt, srcStride, dst, dstAt, dstStride, bytes, rows) =>
      job.copy(lane, pool.memory(src), srcAt, srcStride, pool.memory(dst), dstAt, dstStride, bytes, rows),
    room: (lane) => job.room(lane),
  };
}
