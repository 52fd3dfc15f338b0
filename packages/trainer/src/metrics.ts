import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of `metrics.jsonl`: `kind` says what it is (train step, eval, stage, event). */
export interface MetricRecord {
  kind: 'train' | 'eval' | 'agent_eval' | 'event';
  step: number;
  [key: string]: unknown;
}

/**
 * Appends metric records to a JSONL file, one flushed line each. On resume, records past the
 * resumed step are dropped first so the file tells the story of the run that actually continued.
 */
export class MetricsWriter {
  private fd: number;

  constructor(
    readonly file: string,
    opts: { resumeFromStep?: number } = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    if (opts.resumeFromStep !== undefined && existsSync(file)) {
      const kept = readMetrics(file).filter((r) => r.step <= (opts.resumeFromStep as number));
      this.fd = openSync(file, 'w');
      for (const r of kept) this.write(r);
    } else {
      this.fd = openSync(file, opts.resumeFromStep === undefined ? 'w' : 'a');
    }
  }

  write(record: MetricRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Reads a metrics JSONL file, skipping a torn last line (a crash mid-write). */
export function readMetrics(file: string): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      // torn line from an interrupted write
    }
  }
  return out;
}
