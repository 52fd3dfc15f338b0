import { InferenceError, PromptError, QueueFullError, ShutdownError } from './errors.js';
import type { DecodeRequest, StepOutput } from './language-model.js';
import { ServingStats } from './stats.js';

export interface SchedulerOptions {
  /** Most requests running at once: prefilling, or decoding together in one batched step. Default 16. */
  maxBatch?: number;
  /** Most requests queued for a running slot; `admit` throws QueueFullError beyond (the server's 429). Default 64. */
  maxWaiting?: number;
  /** Latent cache bytes the running requests may reserve in all (`--kv-cache-bytes`). Default unlimited. */
  kvCacheBytes?: number;
  /**
   * Prompt tokens prefilled per iteration, across requests (`--prefill-chunk`): what bounds the delay a prefill
   * adds to the running requests' next token. Default 512.
   */
  prefillTokens?: number;
  /** One decode step over a batch of sequences (the engine passes its model's batched step). */
  decode?: (requests: readonly DecodeRequest[]) => Promise<StepOutput[]>;
}

/** What `admit` needs to know about a request. */
export interface AdmitOptions {
  /** Fairness lane (the OpenAI `user`); informational. */
  session?: string;
  /** Cache bytes the request reserves while it runs (prompt + new tokens); counted against `kvCacheBytes`. */
  cacheBytes?: number;
  /** Aborting drops the request's queued work at once and frees its place in the queue. */
  signal?: AbortSignal;
}

/** A step dropped because its request was aborted; generation ends with finish reason 'abort'. */
export class StepAborted extends InferenceError {
  constructor() {
    super('the request was aborted', 'ABORTED');
    this.name = 'StepAborted';
  }
}

interface Pending<T> {
  ticket: Ticket;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

interface Prefill extends Pending<unknown> {
  fn: () => Promise<unknown>;
  tokens: number;
}

interface Decode extends Pending<StepOutput> {
  request: DecodeRequest;
}

/** Schedules the next iteration after the tasks now queued (streamed tokens written, next steps queued). */
const nextTask: (fn: () => void) => void =
  typeof setImmediate === 'function' ? setImmediate : (fn) => setTimeout(fn, 0);

/**
 * Continuous batching of the requests that share one loaded model. Each iteration runs prefill chunks of the
 * running requests that are reading their prompts (in turn, one chunk per request, up to `prefillTokens` tokens
 * in all; the first always runs) and then one batched decode step over every running request waiting for its
 * next token: the weights are read once per iteration however many requests decode, and prompts delay the
 * others' next token by at most one iteration's prefill budget.
 *
 * At most `maxBatch` requests run; the next ones wait in arrival order (at most `maxWaiting`, then
 * QueueFullError) and start as running ones finish, when their cache reservation fits `kvCacheBytes`. An aborted
 * request leaves at once: its queued steps reject with StepAborted and its slot or queue place is freed.
 */
export class Scheduler {
  readonly maxBatch: number;
  readonly maxWaiting: number;
  readonly kvCacheBytes: number;
  readonly prefillTokens: number;
  readonly stats = new ServingStats();
  private readonly decodeStep: (requests: readonly DecodeRequest[]) => Promise<StepOutput[]>;
  private readonly running = new Set<Ticket>();
  private readonly waiting: Ticket[] = [];
  private reserved = 0;
  private closed = false;
  private busy = false;
  private kicked = false;
  /** Prefill steps in service order (one per request at a time), and the decode steps of the next batch. */
  private prefills: Prefill[] = [];
  private decodes: Decode[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(options: SchedulerOptions = {}) {
    this.maxBatch = positive('maxBatch', options.maxBatch ?? 16);
    this.maxWaiting = positive('maxWaiting', options.maxWaiting ?? 64, true);
    this.prefillTokens = positive('prefillTokens', options.prefillTokens ?? 512);
    this.kvCacheBytes = options.kvCacheBytes ?? Number.POSITIVE_INFINITY;
    if (!(this.kvCacheBytes > 0)) {
      throw new InferenceError(`kvCacheBytes must be positive, got ${this.kvCacheBytes}`, 'SCHEDULER_OPTION');
    }
    this.decodeStep =
      options.decode ??
      (() =>
        Promise.reject(new InferenceError('this scheduler was made without a decode step', 'NO_DECODE')));
  }

  /** Requests running now (holding a slot). */
  get runningRequests(): number {
    return this.running.size;
  }

  /** Requests queued for a slot. */
  get waitingRequests(): number {
    return this.waiting.length;
  }

  /** Requests admitted and not yet released (running or waiting). */
  get activeRequests(): number {
    return this.running.size + this.waiting.length;
  }

  /** Cache bytes reserved by the running requests. */
  get reservedCacheBytes(): number {
    return this.reserved;
  }

  /**
   * Admits one request: it runs at once when a slot (and its cache reservation) is free, else it queues. Throws
   * QueueFullError when the queue is full, PromptError when its reservation exceeds the whole budget.
   */
  admit(options: AdmitOptions = {}): Ticket {
    if (this.closed) throw new ShutdownError();
    const bytes = options.cacheBytes ?? 0;
    if (bytes > this.kvCacheBytes) {
      throw new PromptError(
        `the request needs ${bytes} bytes of KV cache (prompt plus max tokens), more than the whole budget of ${this.kvCacheBytes} bytes (--kv-cache-bytes): ask for fewer tokens`,
      );
    }
    const startsNow = this.waiting.length === 0 && this.fits(bytes);
    if (!startsNow && this.waiting.length >= this.maxWaiting) {
      this.stats.rejected++;
      throw new QueueFullError(this.maxWaiting);
    }
    const ticket = new Ticket(this, options.session ?? 'default', bytes);
    this.stats.admitted++;
    this.waiting.push(ticket);
    this.promote();
    const signal = options.signal;
    if (signal?.aborted) this.abort(ticket);
    else if (signal !== undefined) {
      const onAbort = () => this.abort(ticket);
      signal.addEventListener('abort', onAbort, { once: true });
      ticket.detach = () => signal.removeEventListener('abort', onAbort);
    }
    return ticket;
  }

  /** Stops admitting requests and resolves when every admitted request has been released. */
  close(): Promise<void> {
    this.closed = true;
    if (this.activeRequests === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** @internal */
  prefill<T>(ticket: Ticket, tokens: number, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (ticket.aborted) return reject(new StepAborted());
      this.prefills.push({ ticket, fn, tokens, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /** @internal */
  decode(ticket: Ticket, request: DecodeRequest): Promise<StepOutput> {
    return new Promise<StepOutput>((resolve, reject) => {
      if (ticket.aborted) return reject(new StepAborted());
      if (!this.running.has(ticket)) {
        return reject(new InferenceError('decode before the request started (prefill first)', 'NOT_RUNNING'));
      }
      this.decodes.push({ ticket, request, resolve, reject });
      this.kick();
    });
  }

  /** @internal */
  released(ticket: Ticket): void {
    ticket.detach();
    this.drop(ticket);
    if (this.running.delete(ticket)) this.reserved -= ticket.cacheBytes;
    const queued = this.waiting.indexOf(ticket);
    if (queued >= 0) this.waiting.splice(queued, 1);
    this.promote();
    if (this.activeRequests === 0) {
      for (const wake of this.idleWaiters) wake();
      this.idleWaiters = [];
    }
  }

  private abort(ticket: Ticket): void {
    if (ticket.released) return;
    ticket.aborted = true;
    this.drop(ticket);
    if (this.waiting.includes(ticket)) ticket.release();
  }

  /** Rejects the ticket's queued steps. */
  private drop(ticket: Ticket): void {
    const mine = (p: Pending<never>) => p.ticket === ticket;
    for (const p of [...this.prefills.filter(mine), ...this.decodes.filter(mine)])
      p.reject(new StepAborted());
    this.prefills = this.prefills.filter((p) => !mine(p));
    this.decodes = this.decodes.filter((p) => !mine(p));
  }

  private fits(bytes: number): boolean {
    return this.running.size < this.maxBatch && this.reserved + bytes <= this.kvCacheBytes;
  }

  /** Starts queued requests in arrival order while slots and cache budget allow. */
  private promote(): void {
    while (this.waiting.length > 0 && this.fits((this.waiting[0] as Ticket).cacheBytes)) {
      const ticket = this.waiting.shift() as Ticket;
      this.running.add(ticket);
      this.reserved += ticket.cacheBytes;
    }
    this.kick();
  }

  private kick(): void {
    if (this.kicked || this.busy) return;
    this.kicked = true;
    nextTask(() => {
      this.kicked = false;
      void this.iterate();
    });
  }

  /** One iteration: prefill chunks within the token budget, then one decode step over the batch. */
  private async iterate(): Promise<void> {
    const prefills = this.takePrefills();
    if (prefills.length === 0 && this.decodes.length === 0) return;
    this.busy = true;
    try {
      for (const step of prefills) {
        this.stats.prefillChunks++;
        await Promise.resolve().then(step.fn).then(step.resolve, step.reject);
      }
      const batch = this.decodes.splice(0, this.maxBatch);
      if (batch.length > 0) {
        this.stats.batchSize.observe(batch.length);
        try {
          const outputs = await this.decodeStep(batch.map((d) => d.request));
          for (const [i, d] of batch.entries()) d.resolve(outputs[i] as StepOutput);
        } catch (err) {
          for (const d of batch) d.reject(err);
        }
      }
    } finally {
      this.busy = false;
      this.kick();
    }
  }

  /** The running requests' next prefill chunks in turn, while they fit the budget (the first always runs). */
  private takePrefills(): Prefill[] {
    const taken: Prefill[] = [];
    let tokens = 0;
    for (let i = 0; i < this.prefills.length; ) {
      const step = this.prefills[i] as Prefill;
      if (!this.running.has(step.ticket)) {
        i++;
        continue;
      }
      if (taken.length > 0 && tokens + step.tokens > this.prefillTokens) break;
      taken.push(step);
      tokens += step.tokens;
      this.prefills.splice(i, 1);
    }
    return taken;
  }
}

/** One admitted request: runs its model steps through the scheduler; release it exactly once. */
export class Ticket {
  /** Set when the request's signal aborted: its steps are refused from then on. */
  aborted = false;
  released = false;
  /** Stops listening to the request's abort signal. */
  detach: () => void = () => {};
  private readonly admittedAt = performance.now();
  private lastTokenAt: number | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    readonly session: string,
    /** Cache bytes reserved while running. */
    readonly cacheBytes: number,
  ) {}

  /** Runs `fn`, a prefill chunk of `tokens` prompt tokens, on this request's turn once it runs. */
  prefill<T>(tokens: number, fn: () => Promise<T>): Promise<T> {
    return this.scheduler.prefill(this, tokens, fn);
  }

  /** This request's next decode step, batched with every other running request's. */
  decode(request: DecodeRequest): Promise<StepOutput> {
    return this.scheduler.decode(this, request);
  }

  /** Counts prompt tokens run through prefill. */
  prefilled(tokens: number): void {
    this.scheduler.stats.promptTokens += tokens;
  }

  /** Records one generated token (time to first token, then the time between tokens). */
  generated(): void {
    const now = performance.now();
    const stats = this.scheduler.stats;
    stats.generatedTokens++;
    if (this.lastTokenAt === null) stats.timeToFirstToken.observe((now - this.admittedAt) / 1000);
    else stats.interTokenLatency.observe((now - this.lastTokenAt) / 1000);
    this.lastTokenAt = now;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.scheduler.released(this);
  }
}

function positive(name: string, value: number, zero = false): number {
  if (!Number.isInteger(value) || value < (zero ? 0 : 1)) {
    throw new InferenceError(
      `${name} must be an integer ≥ ${zero ? 0 : 1}, got ${value}`,
      'SCHEDULER_OPTION',
    );
  }
  return value;
}
