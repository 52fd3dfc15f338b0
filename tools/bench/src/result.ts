import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';

/** Which way a metric improves: throughput metrics are 'higher', latencies and sizes are 'lower'. */
export type Better = 'higher' | 'lower';

/** One measured case, ours against one peer run in the same process on the same machine. */
export interface BenchCase {
  case: string;
  metric: string;
  unit: string;
  better: Better;
  ours: number;
  peer: number | null;
  peer_name: string | null;
}

export interface BenchRow extends Omit<BenchCase, 'better'> {
  /** > 1 means we are better, whichever way the metric points; null when no peer ran. */
  ratio: number | null;
}

export interface BenchReport {
  machine: Record<string, unknown>;
  results: BenchRow[];
}

export function ratio(c: Pick<BenchCase, 'ours' | 'peer' | 'better'>): number | null {
  if (c.peer === null || !Number.isFinite(c.peer) || c.peer <= 0 || c.ours <= 0) return null;
  return c.better === 'higher' ? c.ours / c.peer : c.peer / c.ours;
}

export function describeMachine(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    ...extra,
  };
}

export function toReport(cases: BenchCase[], machine: Record<string, unknown>): BenchReport {
  return {
    machine,
    results: cases.map(({ better, ...c }) => ({ ...c, ratio: ratio({ ...c, better }) })),
  };
}

/** Writes a file atomically: temp file, fsync, rename, so a killed benchmark never leaves half a JSON. */
export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function formatTable(rows: BenchRow[]): string {
  const fmt = (v: number | null) => (v === null ? '-' : v >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const lines = rows.map(
    (r) =>
      `${r.case.padEnd(40)} ${r.metric.padEnd(12)} ours ${fmt(r.ours).padStart(9)} ${r.unit.padEnd(10)} ` +
      `${(r.peer_name ?? '-').padEnd(24)} ${fmt(r.peer).padStart(9)}  ratio ${r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`}`,
  );
  return lines.join('\n');
}
