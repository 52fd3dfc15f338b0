import { describe, expect, it } from 'vitest';
import { Sandbox } from '../src/index.js';
import { HOSTILE_PROGRAMS } from './hostile-programs.js';

// The quick hostile programs (no memory bombs, deep structures or stops from outside), cycled. The full
// suite, 10,000 runs, is `pnpm bench sandbox`.
const RUNS = 300;
const cheap = HOSTILE_PROGRAMS.filter(
  (p) => !p.heavy && !('failure' in p.expect && p.expect.failure === 'memory'),
);
const MEMORY = 32 << 20;
const sandbox = await Sandbox.create({ timeoutMs: 10, memoryBytes: MEMORY });
// Same memory ceiling (so the same QuickJS instance), with time to finish on a loaded machine.
const patient = await Sandbox.create({ timeoutMs: 20_000, memoryBytes: MEMORY });
/** Holds 24 MiB at once, three quarters of the ceiling: fails if earlier runs left much behind in the heap. */
const PROBE =
  'const keep = []; for (let i = 0; i < 24; i++) keep.push(new Uint8Array(1 << 20).fill(i)); keep.length';

describe('sandbox memory over many hostile runs', () => {
  it(`leaks nothing over ${RUNS} runs: no QuickJS object left at free, no heap growth, no host growth`, () => {
    for (const p of cheap) sandbox.run(p.code);
    const before = sandbox.stats();
    const rssBefore = process.memoryUsage().rss;
    for (let i = 0; i < RUNS; i++) sandbox.run((cheap[i % cheap.length] as (typeof cheap)[number]).code);
    const after = sandbox.stats();
    // Freeing a runtime that still holds an object aborts QuickJS: a leak of any run is a fault.
    expect(after.faults).toBe(before.faults);
    expect(after.runs - before.runs).toBe(RUNS);
    // Same worker and instance, whose linear memory (it never shrinks) did not grow past the first pass.
    expect(after.instances).toBe(before.instances);
    expect(after.workers).toBe(before.workers);
    expect(after.wasmBytes).toBe(before.wasmBytes);
    expect(patient.run(PROBE)).toMatchObject({ ok: true, value: 24 });
    // The host process: a generous bound (the garbage collector runs when it likes).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(128 << 20);
  }, 120_000);
});
