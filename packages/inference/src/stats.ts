/**
 * What the scheduler counts while serving, for `GET /metrics` (Prometheus text) and for callers that embed an
 * engine: tokens, requests, decode batch sizes, and the latencies users feel (time to first token, time
 * between tokens).
 */

/** A cumulative histogram with fixed upper bounds, as Prometheus exposes one (`le` buckets, sum, count). */
export class Histogram {
  /** counts[i]: observations <= bounds[i]; the last entry counts everything (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (value <= (this.bounds[i] as number)) this.counts[i]++;
    this.counts[this.bounds.length]++;
  }
}

/** Latency bounds in seconds: 1 ms to 60 s. */
const SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60,
];

/** Counters and histograms of one scheduler since it was made. */
export class ServingStats {
  /** Requests admitted (running or queued), and those refused because the queue was full. */
  admitted = 0;
  rejected = 0;
  /** Prompt tokens run through prefill (a reused cached prefix is not counted), and tokens generated. */
  promptTokens = 0;
  generatedTokens = 0;
  /** Prefill chunks run. */
  prefillChunks = 0;
  /** Sequences per batched decode step. */
  readonly batchSize = new Histogram([1, 2, 4, 8, 16, 32, 64, 128, 256]);
  /** From admission to the first generated token. */
  readonly timeToFirstToken = new Histogram(SECONDS);
  /** Between consecutive tokens of one request. */
  readonly interTokenLatency = new Histogram(SECONDS);
}
