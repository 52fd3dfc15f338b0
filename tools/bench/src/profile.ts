/**
 * A per-kernel time profile of a synchronous backend (cpu): a wrapper that times every kernel call, keyed by
 * kernel name (matmuls also by their [batch × m × k × n] shape), so a benchmark can print where a step's time
 * goes. Work that is not a kernel call (autograd bookkeeping, allocation, JS glue) shows up as the gap between
 * the kernels' sum and the step's wall time.
 */
import type { Backend } from '@agentlm/tensor';

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

/** Storage-lifecycle methods, not kernels: kept out of the table. */
const UNTIMED = new Set(['alloc', 'free', 'upload', 'write', 'read', 'readSync', 'sync', 'destroy']);

function key(name: string, args: unknown[]): string {
  if (name !== 'matmul') return name;
  const p = args[3] as Parameters<Backend['matmul']>[3];
  const t = `${p.transposeA ? 'ᵀ' : ''}${p.transposeB ? '·ᵀ' : ''}`;
  return `matmul ${p.batch}×${p.m}×${p.k}×${p.n}${t ? ` ${t}` : ''}`;
}

/** A backend that behaves like `inner` and records the time of each kernel call. */
export function profiledBackend(inner: Backend): { backend: Backend; table(): KernelTime[]; reset(): void } {
  const times = new Map<string, KernelTime>();
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(inner)) {
    if (typeof value !== 'function' || UNTIMED.has(name)) {
      wrapped[name] = typeof value === 'function' ? value.bind(inner) : value;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      const result = value.apply(inner, args);
      const k = key(name, args);
      const row = times.get(k) ?? { kernel: k, calls: 0, ms: 0 };
      row.calls++;
      row.ms += performance.now() - t0;
      times.set(k, row);
      return result;
    };
  }
  return {
    backend: wrapped as unknown as Backend,
    table: () => [...times.values()].sort((a, b) => b.ms - a.ms),
    reset: () => times.clear(),
  };
}

/** The table as text: the heaviest kernels, each with its share of `wallMs`, and the untimed remainder. */
export function formatProfile(rows: KernelTime[], wallMs: number, top = 24): string {
  const kernelMs = rows.reduce((a, r) => a + r.ms, 0);
  const line = (name: string, calls: string, ms: number) =>
    `  ${name.padEnd(34)} ${calls.padStart(6)} ${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / wallMs).toFixed(1).padStart(5)}%`;
  const shown = rows.slice(0, top).map((r) => line(r.kernel, String(r.calls), r.ms));
  const rest = rows.slice(top);
  if (rest.length > 0)
    shown.push(
      line(
        `(${rest.length} more)`,
        String(rest.reduce((a, r) => a + r.calls, 0)),
        rest.reduce((a, r) => a + r.ms, 0),
      ),
    );
  shown.push(line('outside kernels (autograd, JS)', '', wallMs - kernelMs));
  return [
    `  ${'kernel'.padEnd(34)} ${'calls'.padStart(6)} ${'time'.padStart(12)} ${'share'.padStart(6)}`,
    ...shown,
  ].join('\n');
}
