import type { Scheduler } from '../scheduler.js';
import type { Histogram } from '../stats.js';

/** The content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The scheduler's state and counters in the Prometheus text exposition format (what `GET /metrics` serves):
 * running and waiting requests, decode batch sizes, prompt and generated tokens, time to first token and
 * inter-token latency histograms, KV cache bytes reserved (and the budget), HTTP responses by status. Every
 * series carries the model name as a `model` label, as vLLM's do.
 */
export function prometheusText(
  scheduler: Scheduler,
  model: string,
  responses: ReadonlyMap<number, number>,
): string {
  const s = scheduler.stats;
  const label = `model="${escapeLabel(model)}"`;
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP agentlm_${name} ${help}`, `# TYPE agentlm_${name} ${type}`);
    for (const [suffix, value] of samples) lines.push(`agentlm_${name}${suffix} ${format(value)}`);
  };
  const scalars: [name: string, type: string, help: string, value: number][] = [
    [
      'requests_running',
      'gauge',
      'Requests holding a running slot (prefilling or decoding).',
      scheduler.runningRequests,
    ],
    ['requests_waiting', 'gauge', 'Requests queued for a running slot.', scheduler.waitingRequests],
    ['max_batch', 'gauge', 'Most requests running at once (--max-batch).', scheduler.maxBatch],
    ['requests_admitted_total', 'counter', 'Requests admitted (running or queued).', s.admitted],
    ['requests_rejected_total', 'counter', 'Requests refused because the queue was full (429).', s.rejected],
    [
      'prompt_tokens_total',
      'counter',
      'Prompt tokens run through prefill (cached prefixes excluded).',
      s.promptTokens,
    ],
    ['generation_tokens_total', 'counter', 'Tokens generated.', s.generatedTokens],
    ['prefill_chunks_total', 'counter', 'Prefill chunks run.', s.prefillChunks],
    [
      'kv_cache_reserved_bytes',
      'gauge',
      'Latent KV cache bytes reserved by running requests.',
      scheduler.reservedCacheBytes,
    ],
    ['kv_cache_budget_bytes', 'gauge', 'Latent KV cache budget (--kv-cache-bytes).', scheduler.kvCacheBytes],
  ];
  for (const [name, type, help, value] of scalars) {
    if (Number.isFinite(value)) metric(name, type, help, [[`{${label}}`, value]]); // no budget: no series
  }
  histogram(metric, 'decode_batch_size', 'Sequences per batched decode step.', s.batchSize, label);
  histogram(
    metric,
    'time_to_first_token_seconds',
    'From admission to the first generated token.',
    s.timeToFirstToken,
    label,
  );
  histogram(
    metric,
    'inter_token_latency_seconds',
    'Between consecutive tokens of a request.',
    s.interTokenLatency,
    label,
  );
  metric(
    'http_responses_total',
    'counter',
    'HTTP responses sent, by status code.',
    [...responses.entries()].sort(([a], [b]) => a - b).map(([code, n]) => [`{${label},code="${code}"}`, n]),
  );
  return `${lines.join('\n')}\n`;
}

function histogram(
  metric: (name: string, type: string, help: string, samples: [string, number][]) => void,
  name: string,
  help: string,
  h: Histogram,
  label: string,
): void {
  const buckets: [string, number][] = h.bounds.map((bound, i) => [
    `_bucket{${label},le="${format(bound)}"}`,
    h.counts[i] as number,
  ]);
  buckets.push([`_bucket{${label},le="+Inf"}`, h.count]);
  metric(name, 'histogram', help, [...buckets, [`_sum{${label}}`, h.sum], [`_count{${label}}`, h.count]]);
}

function format(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
