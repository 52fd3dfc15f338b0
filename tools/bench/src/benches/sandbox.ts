import { loadavg } from 'node:os';
import { Sandbox, type SandboxResult } from '@agentlm/synth';
import { HOSTILE_PROGRAMS, type HostileProgram } from '../../../../packages/synth/test/hostile-programs.js';
import type { BenchCase } from '../result.js';

// Soak of the code sandbox: 10,000 runs of hostile programs (SANDBOX_SOAK_RUNS to change), checking each
// result against the suite's expectation and measuring what stays behind: the QuickJS instance's linear
// memory, the host process's RSS, faults, instance and worker replacements.

const RUNS = Number(process.env.SANDBOX_SOAK_RUNS ?? 10_000);
const MEMORY = 8 << 20;
const MiB = 2 ** 20;

const stoppedFromOutside = (p: HostileProgram) =>
  'failure' in p.expect && /outside/.test(String(p.expect.error));
const isHeavy = (p: HostileProgram) => p.heavy || ('failure' in p.expect && p.expect.failure === 'memory');
const outside = HOSTILE_PROGRAMS.filter(stoppedFromOutside);
const heavy = HOSTILE_PROGRAMS.filter((p) => isHeavy(p) && !stoppedFromOutside(p));
const cheap = HOSTILE_PROGRAMS.filter((p) => !isHeavy(p));

/** Every 25th run is a heavy program and every 1000th one that must be stopped from outside; the rest cycle the quick ones. */
function pick(i: number): HostileProgram {
  const cycle = <T>(list: T[], n: number) => list[n % list.length] as T;
  if (i % 1000 === 999 && outside.length) return cycle(outside, Math.floor(i / 1000));
  if (i % 25 === 24) return cycle(heavy, Math.floor(i / 25));
  return cycle(cheap, i);
}

function matches(p: HostileProgram, r: SandboxResult): boolean {
  if ('value' in p.expect) return r.ok && JSON.stringify(r.value) === JSON.stringify(p.expect.value);
  return !r.ok && r.failure === p.expect.failure && (p.expect.error?.test(r.error ?? '') ?? true);
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const quick = await Sandbox.create({ timeoutMs: 20, memoryBytes: MEMORY });
  // Same memory ceiling, so the same QuickJS instance; time enough for the others to end by themselves.
  const patient = await Sandbox.create({ timeoutMs: 20_000, memoryBytes: MEMORY });
  const runOne = (p: HostileProgram) =>
    ('failure' in p.expect && p.expect.failure === 'timeout' ? quick : patient).run(p.code);

  for (const p of [...cheap, ...heavy]) runOne(p);
  const before = patient.stats();
  const rssBefore = process.memoryUsage().rss;
  /** Program name → the first result unlike the suite's expectation. */
  const mismatched = new Map<string, string>();
  const t0 = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const p = pick(i);
    const r = runOne(p);
    if (!matches(p, r) && !mismatched.has(p.name))
      mismatched.set(p.name, r.ok ? JSON.stringify(r.value) : `${r.failure}: ${r.error}`);
    if ((i + 1) % 1000 === 500) {
      const s = patient.stats();
      log(
        `${i + 1} runs: linear memory ${(s.wasmBytes / MiB).toFixed(0)} MiB, rss ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB, faults ${s.faults}, recycles ${s.recycles}, workers ${s.workers}`,
      );
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  patient.run('0'); // restarts the worker if the last run had to be stopped from outside
  const after = patient.stats();
  const rssGrowth = (process.memoryUsage().rss - rssBefore) / MiB;
  const wasmGrowth = (after.wasmBytes - before.wasmBytes) / MiB;
  log(
    `${RUNS} hostile runs in ${seconds.toFixed(1)} s; linear memory ${(before.wasmBytes / MiB).toFixed(0)} -> ${(after.wasmBytes / MiB).toFixed(0)} MiB, rss ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(0)} MiB; results unlike the suite's: ${[...mismatched].map(([n, r]) => `${n} (${r})`).join(', ') || 'none'}`,
  );
  const soak = (c: Omit<BenchCase, 'peer' | 'peer_name'>): BenchCase => ({
    ...c,
    peer: null,
    peer_name: null,
  });
  return {
    cases: [
      soak({
        case: `sandbox hostile soak, ${RUNS} runs`,
        metric: 'throughput',
        unit: 'runs/s',
        better: 'higher',
        ours: RUNS / seconds,
      }),
      soak({
        case: 'sandbox hostile soak: QuickJS linear memory growth',
        metric: 'memory',
        unit: 'MiB',
        better: 'lower',
        ours: wasmGrowth,
      }),
      soak({
        case: 'sandbox hostile soak: host RSS growth',
        metric: 'memory',
        unit: 'MiB',
        better: 'lower',
        ours: rssGrowth,
      }),
      soak({
        case: 'sandbox hostile soak: results unlike the suite',
        metric: 'count',
        unit: 'programs',
        better: 'lower',
        ours: mismatched.size,
      }),
    ],
    machine: {
      note: `hostile suite (${HOSTILE_PROGRAMS.length} programs), memoryBytes 8 MiB; every 25th run heavy, every 1000th stopped from outside`,
      runs: after.runs,
      faults: after.faults,
      instances_replaced_after_exhausted_heap: after.recycles,
      instances: after.instances,
      workers_started: after.workers,
      load_average_1m: Number(loadavg()[0]?.toFixed(1)),
    },
  };
}
