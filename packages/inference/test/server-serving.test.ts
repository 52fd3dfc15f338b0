import { afterEach, describe, expect, it } from 'vitest';
import { createServer, Engine, type InferenceServer, type ServingOptions } from '../src/node.js';
import { ByteCodec, FakeModel, respondAfter } from './helpers/fakes.js';

/** The server under load: admission (200 or 429, never dropped), queued disconnects, /health and /metrics. */
const codec = new ByteCodec();
let server: InferenceServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(serving: ServingOptions = {}) {
  const model = new FakeModel({
    name: 'fake-echo',
    script: respondAfter('>', (prompt) => {
      const who = prompt.slice(prompt.lastIndexOf('<') + 1, -1);
      return who === 'long' ? 'x'.repeat(4000) : `hi ${who}`;
    }),
  });
  const engine = new Engine(model, { tokenizer: codec, ...serving });
  server = createServer(engine);
  return { url: await server.listen(0, '127.0.0.1'), engine };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a HELP/TYPE comment or a sample
 * `name{label="value",...} number`; every sample's family was declared with a TYPE first.
 */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(sample, `not a sample line: ${line}`).not.toBeNull();
    const [, name, rawLabels, rawValue] = sample as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const pair of (rawLabels ?? '').split(/,(?=[a-zA-Z_])/).filter((p) => p.length > 0)) {
      const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(pair);
      expect(m, `bad label in ${line}`).not.toBeNull();
      labels[(m as RegExpExecArray)[1] as string] = (m as RegExpExecArray)[2] as string;
    }
    const value = rawValue === '+Inf' ? Number.POSITIVE_INFINITY : Number(rawValue);
    expect(Number.isNaN(value), `bad value in ${line}`).toBe(false);
    const family = name.replace(/_(bucket|sum|count)$/, '');
    expect(types.has(name) || types.get(family) === 'histogram', `no TYPE for ${name}`).toBe(true);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

const metricValue = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

/** Checks a histogram family: buckets cumulative and ascending, +Inf equal to _count. */
function checkHistogram(samples: Sample[], family: string): number {
  const buckets = samples.filter((s) => s.name === `${family}_bucket`);
  expect(buckets.at(-1)?.labels.le).toBe('+Inf');
  for (let i = 1; i < buckets.length; i++) {
    const le = (j: number) =>
      buckets[j]?.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(buckets[j]?.labels.le);
    expect(le(i)).toBeGreaterThan(le(i - 1));
    expect(buckets[i]?.value).toBeGreaterThanOrEqual(buckets[i - 1]?.value as number);
  }
  const count = metricValue(samples, `${family}_count`) as number;
  expect(buckets.at(-1)?.value).toBe(count);
  return count;
}

async function complete(url: string, who: string, signal?: AbortSignal, maxTokens = 64) {
  const res = await fetch(`${url}/v1/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: `<${who}>`, max_tokens: maxTokens, temperature: 0 }),
    signal,
  });
  return { status: res.status, body: (await res.json()) as { choices?: { text: string }[] } };
}

describe('serving many clients', () => {
  it('answers each of 200 concurrent requests with 200 or 429: none dropped or hung', async () => {
    const { url, engine } = await start({ maxBatch: 8, maxWaiting: 24 });
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => complete(url, `client ${i}`)));
    const ok = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.status === 429);
    expect(ok.length + busy.length).toBe(200);
    expect(ok.length).toBeGreaterThanOrEqual(8 + 24);
    expect(busy.length).toBeGreaterThan(0);
    for (const [i, a] of answers.entries()) {
      if (a.status === 200) expect(a.body.choices?.[0]?.text).toBe(`hi client ${i}`);
    }
    const { samples } = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    expect(metricValue(samples, 'agentlm_requests_admitted_total')).toBe(ok.length);
    expect(metricValue(samples, 'agentlm_requests_rejected_total')).toBe(busy.length);
    expect(metricValue(samples, 'agentlm_http_responses_total', { code: '429' })).toBe(busy.length);
    expect([engine.scheduler.runningRequests, engine.scheduler.waitingRequests]).toEqual([0, 0]);
  });

  it('a queued request whose client disconnects leaves the queue at once', async () => {
    const { url, engine } = await start({ maxBatch: 1, maxWaiting: 4 });
    const running = new AbortController();
    // long enough to still run when the second arrives (64 tokens could end first, and it would never queue)
    const first = complete(url, 'long', running.signal, 4000).catch(() => null);
    while (engine.scheduler.runningRequests === 0) await new Promise((r) => setTimeout(r, 5));
    const queued = new AbortController();
    const second = complete(url, 'queued', queued.signal).catch(() => null);
    while (engine.scheduler.waitingRequests === 0) await new Promise((r) => setTimeout(r, 5));
    queued.abort();
    while (engine.scheduler.waitingRequests > 0) await new Promise((r) => setTimeout(r, 5));
    expect(engine.scheduler.runningRequests).toBe(1); // the long one still decodes
    running.abort();
    await Promise.all([first, second]);
    while (engine.scheduler.activeRequests > 0) await new Promise((r) => setTimeout(r, 5));
    expect((await complete(url, 'after')).body.choices?.[0]?.text).toBe('hi after');
  });

  it('GET /health answers ok with the queue state; GET /metrics is Prometheus text that adds up', async () => {
    const { url } = await start({ maxBatch: 4, kvCacheBytes: 1 << 20 });
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', model: 'fake-echo', running: 0, waiting: 0 });
    const answers = await Promise.all([0, 1, 2].map((i) => complete(url, `m${i}`)));
    const generated = answers.reduce((n, a) => n + (a.body.choices?.[0]?.text.length ?? 0) + 1, 0); // + eos
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { types, samples } = parsePrometheus(await res.text());
    expect(types.get('agentlm_time_to_first_token_seconds')).toBe('histogram');
    expect(metricValue(samples, 'agentlm_requests_running', { model: 'fake-echo' })).toBe(0);
    expect(metricValue(samples, 'agentlm_requests_waiting')).toBe(0);
    expect(metricValue(samples, 'agentlm_generation_tokens_total')).toBe(generated);
    expect(metricValue(samples, 'agentlm_prompt_tokens_total')).toBe(answers.length * 4);
    expect(metricValue(samples, 'agentlm_kv_cache_budget_bytes')).toBe(1 << 20);
    expect(metricValue(samples, 'agentlm_kv_cache_reserved_bytes')).toBe(0);
    expect(checkHistogram(samples, 'agentlm_time_to_first_token_seconds')).toBe(3);
    expect(checkHistogram(samples, 'agentlm_inter_token_latency_seconds')).toBe(generated - 3);
    expect(checkHistogram(samples, 'agentlm_decode_batch_size')).toBeGreaterThan(0);
    expect(metricValue(samples, 'agentlm_http_responses_total', { code: '200' })).toBe(4); // health + 3
  });
});
