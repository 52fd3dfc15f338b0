import { describe, expect, it } from 'vitest';
import { QueueFullError, Scheduler, ShutdownError } from '../src/index.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Scheduler', () => {
  it('runs one step at a time, round-robin across sessions, FIFO within one', async () => {
    const s = new Scheduler();
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const step = (label: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await tick();
      order.push(label);
      running--;
    };
    const a = s.admit('A');
    const b = s.admit('B');
    const c = s.admit('C');
    // A floods the queue first; B and C must still get turns in between.
    const all = [
      a.run(step('a1')),
      a.run(step('a2')),
      a.run(step('a3')),
      b.run(step('b1')),
      c.run(step('c1')),
      b.run(step('b2')),
    ];
    await Promise.all(all);
    expect(maxRunning).toBe(1);
    // a1 starts at once; then the lanes in arrival order: A (a2), B (b1), C (c1), A (a3), B (b2).
    expect(order).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'b2']);
  });

  it('bounds admitted requests and frees a slot on release', () => {
    const s = new Scheduler({ maxRequests: 2 });
    const t1 = s.admit('x');
    s.admit('y');
    expect(() => s.admit('z')).toThrow(QueueFullError);
    t1.release();
    t1.release(); // idempotent
    expect(() => s.admit('z')).not.toThrow();
    expect(s.activeRequests).toBe(2);
  });

  it('propagates step errors without stalling the queue', async () => {
    const s = new Scheduler();
    const t = s.admit();
    await expect(t.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(t.run(async () => 5)).resolves.toBe(5);
  });

  it('close() refuses new work and waits for admitted requests', async () => {
    const s = new Scheduler();
    const t = s.admit();
    let closed = false;
    const done = s.close().then(() => {
      closed = true;
    });
    expect(() => s.admit()).toThrow(ShutdownError);
    await t.run(async () => 1);
    await tick();
    expect(closed).toBe(false);
    t.release();
    await done;
    expect(closed).toBe(true);
  });
});
