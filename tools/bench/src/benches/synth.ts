import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';
import { DOMAINS, Sandbox, synthesize } from '@agentlm/synth';
import type { BenchCase } from '../result.js';

const here = dirname(fileURLToPath(import.meta.url));
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Verified trajectories per second, end to end (generate, act, verify, dedup, write shards, report). */
async function trajectoriesPerSecond(
  domain: (typeof DOMAINS)[number] | 'all',
  count: number,
): Promise<number> {
  const out = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  try {
    const t0 = performance.now();
    const report = await synthesize({
      out,
      count,
      seed: 1,
      ...(domain === 'all' ? {} : { domains: [domain] }),
    });
    const seconds = (performance.now() - t0) / 1000;
    if (report.kept !== count) throw new Error(`${domain}: kept ${report.kept} of ${count}`);
    return count / seconds;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Time to load and instantiate the QuickJS wasm module in a fresh process (ms). */
function sandboxStartMs(): number {
  const script =
    "const { Sandbox } = await import('@agentlm/synth'); const t = performance.now(); await Sandbox.create(); console.log(performance.now() - t);";
  return median(
    Array.from({ length: 5 }, () =>
      Number(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], {
          cwd: here,
          encoding: 'utf8',
        }),
      ),
    ),
  );
}

function perRunMs(run: () => void, n: number): number {
  for (let i = 0; i < 20; i++) run();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) run();
  return (performance.now() - t0) / n;
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const cases: BenchCase[] = [];
  for (const domain of [...DOMAINS, 'all'] as const) {
    const count = domain === 'code' ? 600 : 1200;
    const rates = [await trajectoriesPerSecond(domain, count), await trajectoriesPerSecond(domain, count)];
    const rate = Math.max(...rates);
    log(`scripted ${domain}: ${rate.toFixed(0)} verified trajectories/s (${count} per run, best of 2)`);
    cases.push({
      case: `scripted policy, ${domain}`,
      metric: 'throughput',
      unit: 'traj/s',
      better: 'higher',
      ours: rate,
      peer: null,
      peer_name: null,
    });
  }

  const start = sandboxStartMs();
  const vmStart = perRunMs(() => createContext({}), 200);
  log(`sandbox start: QuickJS wasm ${start.toFixed(1)} ms, node:vm context ${vmStart.toFixed(2)} ms`);
  cases.push({
    case: 'sandbox start (QuickJS wasm load)',
    metric: 'latency',
    unit: 'ms',
    better: 'lower',
    ours: start,
    peer: vmStart,
    peer_name: 'node:vm createContext',
  });

  const sandbox = await Sandbox.create();
  const tiny = 'console.log(JSON.stringify([1, 2, 3].map((x) => x * 2)))';
  const ours = perRunMs(() => sandbox.run(tiny), 500);
  const vm = perRunMs(
    () => runInContext(tiny, createContext({ console: { log: () => {} } }), { timeout: 1000 }),
    500,
  );
  log(
    `per execution (fresh runtime + context, tiny script): ours ${ours.toFixed(3)} ms, node:vm ${vm.toFixed(3)} ms`,
  );
  cases.push({
    case: 'sandbox per-execution overhead',
    metric: 'latency',
    unit: 'ms',
    better: 'lower',
    ours,
    peer: vm,
    peer_name: 'node:vm new context (no isolation)',
  });

  const loop = 'let s = 0; for (let i = 0; i < 1e5; i++) s += i % 7; s';
  const oursLoop = perRunMs(() => sandbox.run(loop), 50);
  const vmLoop = perRunMs(() => runInContext(loop, createContext({}), { timeout: 1000 }), 50);
  log(`1e5-iteration loop: ours ${oursLoop.toFixed(2)} ms, node:vm ${vmLoop.toFixed(2)} ms (JIT)`);
  cases.push({
    case: 'sandbox 1e5-iteration loop',
    metric: 'latency',
    unit: 'ms',
    better: 'lower',
    ours: oursLoop,
    peer: vmLoop,
    peer_name: 'node:vm (V8 JIT, no isolation)',
  });
  return {
    cases,
    machine: {
      note: 'scripted policy, 25% injected mistakes; shards written to a temp dir',
      load_average_1m: Number(loadavg()[0]?.toFixed(1)),
    },
  };
}
