import { QueueFullError, ShutdownError } from './errors.js';

interface PendingStep {
  fn: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Lane {
  key: string;
  steps: PendingStep[];
}

/**
 * Shares one loaded model between many requests. Work runs one model step at a time (a prefill
 * chunk or a decode step); waiting steps are served round-robin across sessions and FIFO within a
 * session, so one busy client cannot starve the others. At most `maxRequests` requests may be
 * admitted (running or waiting); `admit` throws QueueFullError beyond that (the server's 429).
 */
export class Scheduler {
  readonly maxRequests: number;
  private admitted = 0;
  private closed = false;
  private busy = false;
  /** Lanes with waiting steps, in service order. */
  private readonly ring: Lane[] = [];
  private readonly lanes = new Map<string, Lane>();
  private idleWaiters: (() => void)[] = [];

  constructor(opts: { maxRequests?: number } = {}) {
    this.maxRequests = opts.maxRequests ?? 64;
  }

  /** Requests admitted and not yet released. */
  get activeRequests(): number {
    return this.admitted;
  }

  /** Admits one request for `session`; release the returned ticket when the request ends. */
  admit(session = 'default'): Ticket {
    if (this.closed) throw new ShutdownError();
    if (this.admitted >= this.maxRequests) throw new QueueFullError(this.maxRequests);
    this.admitted++;
    return new Ticket(this, session);
  }

  /** Stops admitting requests and resolves when every admitted request has been released. */
  close(): Promise<void> {
    this.closed = true;
    if (this.admitted === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** @internal */
  schedule<T>(session: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let lane = this.lanes.get(session);
      if (lane === undefined) {
        lane = { key: session, steps: [] };
        this.lanes.set(session, lane);
        this.ring.push(lane);
      }
      lane.steps.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** @internal */
  released(): void {
    this.admitted--;
    if (this.admitted === 0) {
      for (const wake of this.idleWaiters) wake();
      this.idleWaiters = [];
    }
  }

  private pump(): void {
    if (this.busy) return;
    const lane = this.ring.shift();
    if (lane === undefined) return;
    const step = lane.steps.shift() as PendingStep;
    if (lane.steps.length > 0) this.ring.push(lane);
    else this.lanes.delete(lane.key);
    this.busy = true;
    step
      .fn()
      .then(step.resolve, step.reject)
      .finally(() => {
        this.busy = false;
        this.pump();
      });
  }
}

/** One admitted request: runs its model steps through the scheduler; release it exactly once. */
export class Ticket {
  private done = false;

  constructor(
    private readonly scheduler: Scheduler,
    readonly session: string,
  ) {}

  /** Runs `fn` when it is this request's turn on the model. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.scheduler.schedule(this.session, fn);
  }

  release(): void {
    if (this.done) return;
    this.done = true;
    this.scheduler.released();
  }
}
