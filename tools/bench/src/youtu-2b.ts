/**
 * The whole 1.96B Youtu-LLM shape (32 layers, vocabulary 128,256) on CPU, as a user runs it: a random bf16
 * checkpoint written once by the bench (streamed to disk, cached under .agentlm/bench and reused), `agentlm
 * quantize`'s q8 and q4 conversions of it, and for each dtype a fresh process that loads it with `loadEngine`
 * and reports time to first token at 16 and 512 prompt tokens, prefill and decode tokens/s, the weight bytes
 * and its peak resident memory. The decode bound is the weight bytes each token reads ÷ the machine's read
 * bandwidth on every core, measured in the same process right after the decode.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { latentBytesPerToken, loadEngine } from '@agentlm/inference';
import {
  configToJSON,
  numel,
  presetConfig,
  quantizeCheckpoint,
  type TensorToWrite,
  weightSpecs,
  writeCheckpoint,
} from '@agentlm/model';
import { storageBytes } from '@agentlm/tensor';
import { readBandwidth } from './read-bandwidth.js';
import type { BenchCase } from './result.js';

const here = fileURLToPath(import.meta.url);
const cacheRoot = resolve(dirname(here), '../../../.agentlm/bench');
const config = presetConfig('youtu-2b');
/** The long prompt's length (AGENTLM_BENCH_2B_LONG: a shorter one for a quick check of the bench itself). */
const LONG = Number(process.env.AGENTLM_BENCH_2B_LONG ?? 512);

export type Dtype2b = 'bf16' | 'q8' | 'q4';

/** Writes one tensor's random bf16 words (uniform with the init's standard deviation; norms 1). */
function randomBf16(n: number, std: number, seed: number): Uint8Array {
  const words = new Uint16Array(n);
  const f32 = new Float32Array(1);
  const bits = new Uint32Array(f32.buffer);
  const half = std * Math.sqrt(3);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    f32[0] = ((x >>> 0) / 2 ** 32 - 0.5) * 2 * half;
    words[i] = bits[0] >>> 16;
  }
  return new Uint8Array(words.buffer);
}

/** The cached checkpoints, made on first use (about 3.9 + 2.1 + 1.4 GB of disk). */
export async function ensureCheckpoints(log: (line: string) => void): Promise<Record<Dtype2b, string>> {
  const dirs = {
    bf16: join(cacheRoot, 'youtu-2b-bf16'),
    q8: join(cacheRoot, 'youtu-2b-q8'),
    q4: join(cacheRoot, 'youtu-2b-q4'),
  };
  if (!existsSync(join(dirs.bf16, 'config.json'))) {
    log('youtu-2b: writing a random bf16 checkpoint (once; cached in .agentlm/bench)');
    await rm(dirs.bf16, { recursive: true, force: true });
    await mkdir(dirs.bf16, { recursive: true });
    const tensors: TensorToWrite[] = weightSpecs(config).map((s, i) => ({
      name: s.name,
      dtype: 'BF16',
      shape: s.shape,
      bytes: () =>
        s.kind === 'norm'
          ? new Uint8Array(new Uint16Array(numel(s.shape)).fill(0x3f80).buffer)
          : randomBf16(
              numel(s.shape),
              s.kind === 'embedding' ? config.embeddingInitializerRange : config.initializerRange,
              0x9e3779b1 * (i + 1),
            ),
    }));
    await writeCheckpoint(dirs.bf16, tensors);
    const json = `${JSON.stringify({ ...configToJSON(config), torch_dtype: 'bfloat16' }, null, 2)}\n`;
    await writeFile(join(dirs.bf16, 'config.json'), json); // last: its presence marks a complete checkpoint
  }
  for (const q of ['q8', 'q4'] as const) {
    if (existsSync(join(dirs[q], 'config.json'))) continue;
    log(`youtu-2b: agentlm quantize --to ${q} (once; cached)`);
    const t0 = performance.now();
    await quantizeCheckpoint(dirs.bf16, dirs[q], q);
    log(`youtu-2b: quantized to ${q} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return dirs;
}

export interface Measured2b {
  dtype: Dtype2b;
  loadSeconds: number;
  weightBytes: number;
  ttft16: number;
  ttftLong: number;
  prefillLong: number;
  decode: number;
  readGbps: number;
  peakRssBytes: number;
  cacheBytes: number;
}

/** In the measuring process: load, time the first token of a 16- and a 512-token prompt, then decode. */
export async function measure(dir: string, dtype: Dtype2b, decodeSteps: number): Promise<Measured2b> {
  const t0 = performance.now();
  const { model } = await loadEngine(dir, { backend: 'cpu', dtype: 'bf16' });
  const loadSeconds = (performance.now() - t0) / 1000;
  const weightBytes = [...model.model.params.values()].reduce((n, t) => n + storageBytes(t.size, t.dtype), 0);
  const prompt = (n: number) => Array.from({ length: n }, (_, i) => (i * 7919 + 11) % config.vocabSize);
  const firstToken = async (n: number) => {
    const seq = model.newSequence();
    const started = performance.now();
    await seq.appendGreedy(prompt(n));
    const seconds = (performance.now() - started) / 1000;
    return { seq, seconds };
  };
  (await firstToken(4)).seq.dispose(); // warm-up: the first products move weights where the kernels read them
  const short = await firstToken(16);
  short.seq.dispose();
  const long = await firstToken(LONG);
  let id = 1;
  for (let i = 0; i < 2; i++) id = await long.seq.appendGreedy([id]);
  const d0 = performance.now();
  for (let i = 0; i < decodeSteps; i++) id = await long.seq.appendGreedy([(id + i) % config.vocabSize]);
  const decode = decodeSteps / ((performance.now() - d0) / 1000);
  const cacheBytes = (LONG + decodeSteps + 2) * latentBytesPerToken(config, 'bf16');
  long.seq.dispose();
  const peakRssBytes = process.resourceUsage().maxRSS * 1024; // before the probe's own buffers
  const readGbps = (await readBandwidth({ bytes: 256 * 2 ** 20 })) / 1e9;
  return {
    dtype,
    loadSeconds,
    weightBytes,
    ttft16: short.seconds,
    ttftLong: long.seconds,
    prefillLong: LONG / long.seconds,
    decode,
    readGbps,
    peakRssBytes,
    cacheBytes,
  };
}

/** Runs `measure` in a fresh process, so that its peak resident memory is this model's alone. */
function measureInChild(dir: string, dtype: Dtype2b, log: (line: string) => void): Measured2b | null {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(here).href)});
console.log('RESULT ' + JSON.stringify(await m.measure(${JSON.stringify(dir)}, ${JSON.stringify(dtype)}, 16)));
process.exit(0);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 1_800_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = /^RESULT (.*)$/m.exec(child.stdout);
  if (child.status !== 0 || result === null) {
    log(
      `youtu-2b ${dtype}: the measuring process failed (exit ${child.status}): ${child.stderr.slice(-2000)}`,
    );
    return null;
  }
  return JSON.parse(result[1] as string);
}

/** The 2B cases: decode against its bound, prefill, TTFT and resident memory against the budget. */
export async function youtu2bCases(log: (line: string) => void): Promise<BenchCase[]> {
  const dirs = await ensureCheckpoints(log);
  const cases: BenchCase[] = [];
  for (const dtype of ['bf16', 'q8', 'q4'] as const) {
    const m = measureInChild(dirs[dtype], dtype, log);
    if (m === null) continue;
    const gb = (b: number) => (b / 1e9).toFixed(2);
    const bound = (m.readGbps * 1e9) / m.weightBytes;
    const budget = 1.15 * m.weightBytes + m.cacheBytes + 300e6;
    log(
      `cpu youtu-2b ${dtype}: weights ${gb(m.weightBytes)} GB loaded in ${m.loadSeconds.toFixed(1)} s; TTFT ${m.ttft16.toFixed(2)} s (16 tokens), ` +
        `${m.ttftLong.toFixed(1)} s (${LONG}: prefill ${m.prefillLong.toFixed(1)} tok/s); decode ${m.decode.toFixed(2)} tok/s, ` +
        `bound ${bound.toFixed(2)} at ${m.readGbps.toFixed(1)} GB/s read; peak resident ${gb(m.peakRssBytes)} GB (budget ${gb(budget)})`,
    );
    const name = `cpu youtu-2b (32 layers) ${dtype}`;
    const row = (
      metric: string,
      unit: string,
      ours: number,
      better: 'higher' | 'lower',
      peer: number | null,
      peerName: string | null,
    ) => cases.push({ case: `${name} ${metric}`, metric, unit, better, ours, peer, peer_name: peerName });
    row('decode', 'tok/s', m.decode, 'higher', bound, 'bandwidth bound (read, all cores)');
    row(`prefill ${LONG}`, 'tok/s', m.prefillLong, 'higher', null, null);
    row('TTFT 16', 's', m.ttft16, 'lower', null, null);
    row(`TTFT ${LONG}`, 's', m.ttftLong, 'lower', null, null);
    row(
      'peak resident',
      'GB',
      m.peakRssBytes / 1e9,
      'lower',
      budget / 1e9,
      '1.15 x weights + cache + 300 MB',
    );
  }
  return cases;
}
