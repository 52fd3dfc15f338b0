import { describe, expect, it } from 'vitest';
import {
  type DecodeRequest,
  type ModelSequence,
  PromptError,
  QueueFullError,
  Scheduler,
  ShutdownError,
  StepAborted,
  type StepOutput,
} from '../src/index.js';

const tick = () => new Promise((r) => setImmediate(r));
const sequence = {} as ModelSequence;
const request = (id: number): DecodeRequest => ({ sequence, id, want: 'greedy' });

/** A scheduler whose decode step logs each batch's ids and answers id × 10 per request. */
function batching(options: ConstructorParameters<typeof Scheduler>[0] = {}) {
  const log: string[] = [];
  const batches: number[][] = [];
  const scheduler = new Scheduler({
    ...options,
    decode: async (requests) => {
      batches.push(requests.map((r) => r.id));
      log.push(`decode ${requests.map((r) => r.id).join(',')}`);
      await tick();
      return requests.map((r) => r.id * 10);
    },
  });
  return { scheduler, log, batches };
}

describe('Scheduler (continuous batching)', () => {
  it('runs the decode steps of every running request as one batch and routes each output back', async () => {
    const { scheduler, batches } = batching();
    const tickets = [1, 2, 3].map(() => scheduler.admit());
    // Requests prefill (exclusive steps) before they decode.
    await Promise.all(tickets.map((t) => t.prefill(1, async () => 0)));
    const outputs = await Promise.all(tickets.map((t, i) => t.decode(request(i + 1))));
    expect(outputs).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(scheduler.stats.batchSize.count).toBe(1);
    expect(scheduler.stats.batchSize.sum).toBe(3);
  });

  it('a long prefill delays the running requests by at most one chunk per token (fairness)', async () => {
    const { scheduler, log } = batching();
    const short = scheduler.admit();
    await short.prefill(1, async () => log.push('short prefill'));
    const long = scheduler.admit();
    const prefillLong = (async () => {
      for (let chunk = 0; chunk < 4; chunk++)
        await long.prefill(1, async () => log.push(`long chunk ${chunk}`));
    })();
    const decodeShort = (async () => {
      for (let t = 0; t < 4; t++) await short.decode(request(1));
    })();
    await Promise.all([prefillLong, decodeShort]);
    // Each iteration runs at most one chunk of the long prompt before the short request's next token.
    const events = log.slice(1);
    expect(events.filter((e) => e === 'decode 1')).toHaveLength(4);
    expect(events.filter((e) => e.startsWith('long chunk'))).toHaveLength(4);
    for (let i = 1; i < events.length; i++) {
      expect(events[i - 1]?.startsWith('long') && events[i]?.startsWith('long'), events.join(' | ')).toBe(
        false,
      );
    }
  });

  it('takes prefill chunks round-robin across requests', async () => {
    const { scheduler, log } = batching();
    const [a, b] = [scheduler.admit(), scheduler.admit()];
    const chunks = (t: typeof a, name: string) =>
      (async () => {
        for (let i = 0; i < 3; i++) await t.prefill(1, async () => log.push(`${name}${i}`));
      })();
    await Promise.all([chunks(a, 'a'), chunks(b, 'b')]);
    expect(log).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  });

  it('prefills several requests in one iteration up to the token budget', async () => {
    const { scheduler, log } = batching({ prefillTokens: 512 });
    const decoder = scheduler.admit();
    await decoder.prefill(1, async () => 0);
    await decoder.decode(request(1));
    const prompts = [scheduler.admit(), scheduler.admit(), scheduler.admit()].map((t, i) =>
      t.prefill(200, async () => log.push(`prefill ${i}`)),
    );
    const token = decoder.decode(request(9));
    await Promise.all([...prompts, token]);
    // 200 + 200 fit the budget of 512; the third waits for the next iteration, after the decode step.
    expect(log).toEqual(['decode 1', 'prefill 0', 'prefill 1', 'decode 9', 'prefill 2']);
  });

  it('queues requests beyond maxBatch, refuses beyond maxWaiting, starts them in order as slots free', async () => {
    const { scheduler, batches } = batching({ maxBatch: 2, maxWaiting: 1 });
    const [a, b, c] = [scheduler.admit(), scheduler.admit(), scheduler.admit()];
    expect(() => scheduler.admit()).toThrow(QueueFullError);
    expect(scheduler.stats.rejected).toBe(1);
    expect([scheduler.runningRequests, scheduler.waitingRequests]).toEqual([2, 1]);
    let cRan = false;
    const cPrefill = c.prefill(1, async () => {
      cRan = true;
    });
    await Promise.all([a.prefill(1, async () => 0), b.prefill(1, async () => 0)]);
    await tick();
    expect(cRan).toBe(false); // waiting: its step does not run
    a.release();
    await cPrefill;
    expect(cRan).toBe(true);
    await Promise.all([b.decode(request(2)), c.decode(request(3))]);
    expect(batches).toEqual([[2, 3]]);
    b.release();
    c.release();
    expect(scheduler.activeRequests).toBe(0);
  });

  it('budgets cache bytes: a request waits until its reservation fits, one larger than the budget is refused', async () => {
    const { scheduler } = batching({ kvCacheBytes: 1000 });
    expect(() => scheduler.admit({ cacheBytes: 1001 })).toThrow(PromptError);
    expect(() => scheduler.admit({ cacheBytes: 1001 })).toThrow(/--kv-cache-bytes/);
    const a = scheduler.admit({ cacheBytes: 700 });
    const b = scheduler.admit({ cacheBytes: 400 });
    expect([scheduler.runningRequests, scheduler.waitingRequests]).toEqual([1, 1]);
    expect(scheduler.reservedCacheBytes).toBe(700);
    a.release();
    expect([scheduler.runningRequests, scheduler.reservedCacheBytes]).toEqual([1, 400]);
    b.release();
    expect(scheduler.reservedCacheBytes).toBe(0);
  });

  it('an aborted request leaves at once: queued steps reject, its slot or queue place is freed', async () => {
    const { scheduler, batches } = batching({ maxBatch: 1 });
    const running = new AbortController();
    const queued = new AbortController();
    const a = scheduler.admit({ signal: running.signal });
    const b = scheduler.admit({ signal: queued.signal });
    await a.prefill(1, async () => 0);
    const bStep = b.prefill(1, async () => 0);
    queued.abort();
    await expect(bStep).rejects.toThrow(StepAborted);
    expect(scheduler.waitingRequests).toBe(0);
    const aStep = a.decode(request(1));
    running.abort();
    await expect(aStep).rejects.toThrow(StepAborted);
    await expect(a.decode(request(1))).rejects.toThrow(StepAborted);
    expect(batches).toEqual([]);
    a.release();
    expect(scheduler.activeRequests).toBe(0);
  });

  it('propagates step errors without stalling the queue', async () => {
    let fail = true;
    const scheduler = new Scheduler({
      decode: async (requests): Promise<StepOutput[]> => {
        if (fail) throw new Error('device lost');
        return requests.map(() => 1);
      },
    });
    const t = scheduler.admit();
    await expect(t.prefill(1, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(t.prefill(1, async () => 5)).resolves.toBe(5);
    await expect(t.decode(request(1))).rejects.toThrow('device lost');
    fail = false;
    await expect(t.decode(request(1))).resolves.toBe(1);
  });

  it('decoding before the request runs is an error', async () => {
    const { scheduler } = batching({ maxBatch: 1 });
    scheduler.admit();
    const waiting = scheduler.admit();
    await expect(waiting.decode(request(1))).rejects.toThrow(/prefill first/);
  });

  it('close() refuses new work and waits for admitted requests', async () => {
    const { scheduler } = batching();
    const t = scheduler.admit();
    let closed = false;
    const done = scheduler.close().then(() => {
      closed = true;
    });
    expect(() => scheduler.admit()).toThrow(ShutdownError);
    await t.prefill(1, async () => 1);
    await tick();
    expect(closed).toBe(false);
    t.release();
    t.release(); // idempotent
    await done;
    expect(closed).toBe(true);
  });

  it('counts tokens and the latencies of each request', async () => {
    const { scheduler } = batching();
    const t = scheduler.admit();
    t.prefilled(7);
    t.generated();
    t.generated();
    t.generated();
    const s = scheduler.stats;
    expect([s.admitted, s.promptTokens, s.generatedTokens]).toEqual([1, 7, 3]);
    expect([s.timeToFirstToken.count, s.interTokenLatency.count]).toEqual([1, 2]);
  });
});
