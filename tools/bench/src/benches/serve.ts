/**
 * `pnpm bench serve`: `agentlm serve` under concurrent load, measured the way its users see it: the `openai`
 * npm client streams completions over HTTP on loopback from this process while the server runs in its own
 * process (the CLI, `--backend cpu`). At 1, 4, 8 and 16 concurrent streams (each stream sends its requests one
 * after another): aggregate generated tokens per second, time to first token (p50, p95) and inter-token latency
 * (p50, p95: the gaps between streamed text chunks).
 *
 * The models are random-weight `micro` and `small` checkpoints (the presets' widths and 8192-id vocabulary) with a
 * small trained tokenizer; greedy decoding with no eos id, so every request generates exactly `max_tokens`. No
 * other OpenAI-compatible server runs offline here, so the peer of a case at N streams is the same server at one
 * stream: ratio = the gain in aggregate throughput, or one stream's latency over N streams' (> 1 = better).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PresetName, presetConfig, saveModel, YoutuModel } from '@agentlm/model';
import { createCpuBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import OpenAI from 'openai';
import type { BenchCase } from '../result.js';

interface Shape {
  preset: PresetName;
  /** New tokens per request, and requests each stream sends one after another. */
  maxTokens: number;
  requestsPerStream: number;
}

const SHAPES: Shape[] = [
  { preset: 'micro', maxTokens: 48, requestsPerStream: 3 },
  { preset: 'small', maxTokens: 32, requestsPerStream: 2 },
];
const STREAMS = [1, 4, 8, 16];
const MAX_BATCH = 16;
const cliSource = fileURLToPath(new URL('../../../../apps/cli/src/bin.ts', import.meta.url));

/** One streamed request: time to the first text chunk, the gaps between chunks, tokens generated. */
interface Streamed {
  ttft: number;
  gaps: number[];
  tokens: number;
  chunks: number;
}

/** A random-weight checkpoint of the preset's shape with a small trained tokenizer (its vocabulary padded). */
async function modelDir(root: string, preset: PresetName): Promise<string> {
  const tokDir = join(root, 'tokenizer');
  const tokenizer = await trainTokenizer({
    corpus: {
      texts: Array.from(
        { length: 40 },
        (_, i) => `request ${i}: the answer is ${i * 7}. hello world, tools and code. `,
      ),
    },
    vocabSize: 512,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
  await tokenizer.save(tokDir);
  const config = presetConfig(preset, { bos_token_id: tokenizer.bosId, eos_token_id: null });
  const model = YoutuModel.init(config, { seed: 1, backend: createCpuBackend(), requiresGrad: false });
  const dir = join(root, preset);
  await saveModel(model, dir, { tokenizerDir: tokDir });
  model.dispose();
  return dir;
}

/** Starts `agentlm serve` on a free loopback port; resolves with its base URL and a stop function. */
async function startServer(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const args = ['--import', 'tsx', cliSource, 'serve', '--model', dir, '--port', '0', '--backend', 'cpu'];
  const child: ChildProcess = spawn(process.execPath, [...args, '--max-batch', String(MAX_BATCH)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /serving \S+ at (http:\/\/\S+)\/v1/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`agentlm serve exited with ${code}: ${out}`)));
  });
  /** A graceful shutdown (SIGTERM); one that hangs is killed after 30 s and reported. */
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      const hung = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`agentlm serve did not exit within 30 s of SIGTERM: ${out}`));
      }, 30_000);
      child.on('exit', () => {
        clearTimeout(hung);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url, stop };
}

async function streamOne(client: OpenAI, prompt: string, maxTokens: number): Promise<Streamed> {
  const started = performance.now();
  const stream = await client.completions.create({
    model: 'bench',
    prompt,
    max_tokens: maxTokens,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  const times: number[] = [];
  let tokens = 0;
  for await (const chunk of stream) {
    if ((chunk.choices[0]?.text ?? '').length > 0) times.push(performance.now());
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  return {
    ttft: (times[0] ?? performance.now()) - started,
    gaps: times.slice(1).map((t, i) => t - (times[i] as number)),
    tokens,
    chunks: times.length,
  };
}

/** `streams` concurrent streams each sending `requests` requests in turn; aggregate tokens/s over the wall time. */
async function load(client: OpenAI, streams: number, shape: Shape) {
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const mine: Streamed[] = [];
      for (let r = 0; r < shape.requestsPerStream; r++) {
        const prompt = `request ${s * 100 + r}: the answer is ${s * 7 + r}. hello world, tools and code.`;
        mine.push(await streamOne(client, prompt, shape.maxTokens));
      }
      return mine;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const all = results.flat();
  const tokens = all.reduce((n, r) => n + r.tokens, 0);
  return {
    throughput: tokens / seconds,
    ttft: all.map((r) => r.ttft),
    itl: all.flatMap((r) => r.gaps),
    chunksPerToken: all.reduce((n, r) => n + r.chunks, 0) / tokens,
  };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[at] ?? Number.NaN;
}

export async function run(log: (line: string) => void): Promise<{ cases: BenchCase[] }> {
  const cases: BenchCase[] = [];
  const root = mkdtempSync(join(tmpdir(), 'agentlm-bench-serve-'));
  try {
    for (const shape of SHAPES) {
      const dir = await modelDir(root, shape.preset);
      const server = await startServer(dir);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
      try {
        await streamOne(client, 'warm up', 8);
        let single: Awaited<ReturnType<typeof load>> | null = null;
        for (const streams of STREAMS) {
          const m = await load(client, streams, shape);
          single ??= m;
          const label = `${shape.preset} cpu, ${streams} stream${streams > 1 ? 's' : ''}`;
          const base = streams > 1 ? single : null;
          const peer = (value: number | null | undefined) => ({
            peer: base === null ? null : (value as number),
            peer_name: base === null ? null : '1 stream, same server',
          });
          const ms = (values: number[], q: number) => percentile(values, q);
          cases.push(
            {
              case: label,
              metric: 'aggregate throughput',
              unit: 'tokens/s',
              better: 'higher',
              ours: m.throughput,
              ...peer(base?.throughput),
            },
            {
              case: label,
              metric: 'time to first token p50',
              unit: 'ms',
              better: 'lower',
              ours: ms(m.ttft, 0.5),
              ...peer(base && ms(base.ttft, 0.5)),
            },
            {
              case: label,
              metric: 'time to first token p95',
              unit: 'ms',
              better: 'lower',
              ours: ms(m.ttft, 0.95),
              ...peer(base && ms(base.ttft, 0.95)),
            },
            {
              case: label,
              metric: 'inter-token latency p50',
              unit: 'ms',
              better: 'lower',
              ours: ms(m.itl, 0.5),
              ...peer(base && ms(base.itl, 0.5)),
            },
            {
              case: label,
              metric: 'inter-token latency p95',
              unit: 'ms',
              better: 'lower',
              ours: ms(m.itl, 0.95),
              ...peer(base && ms(base.itl, 0.95)),
            },
          );
          log(
            `${label}: ${m.throughput.toFixed(1)} tokens/s, TTFT p50 ${ms(m.ttft, 0.5).toFixed(0)} ms p95 ${ms(m.ttft, 0.95).toFixed(0)} ms, ITL p50 ${ms(m.itl, 0.5).toFixed(1)} ms p95 ${ms(m.itl, 0.95).toFixed(1)} ms (${m.chunksPerToken.toFixed(2)} text chunks per token)`,
          );
        }
        // Every request has ended: none may still hold a slot or a place in the queue.
        const health = (await (await fetch(`${server.url}/health`)).json()) as {
          running: number;
          waiting: number;
        };
        if (health.running !== 0 || health.waiting !== 0) {
          throw new Error(`requests left behind after the run: ${JSON.stringify(health)}`);
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { cases };
}
