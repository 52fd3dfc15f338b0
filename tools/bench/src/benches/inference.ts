/**
 * `pnpm bench inference`: prefill and decode throughput of @agentlm/inference (latent KV cache, expanded
 * prefill, absorbed decode) on each available backend, decode as a fraction of the memory-bandwidth bound
 * (weight bytes read per token ÷ the backend's copy bandwidth, measured right before and after each case's
 * decode so that a shared machine's changing load moves both alike), and latent cache bytes per token
 * against the equivalent MHA cache.
 *
 * Decode is timed the way greedy generation runs it (`appendGreedy`: the absorbed one-token step, then the argmax
 * where the logits are: on the GPU for WebGPU, so one id is read back); on WebGPU the same steps with the whole
 * logits row read back are reported too. The "peer" of a decode case is the bandwidth bound itself (ratio =
 * fraction of the bound reached); the peer of a cache case is the MHA cache (ratio = how many times smaller the
 * latent cache is). No JS runtime that
 * loads our architecture from files in the same process was available offline (transformers.js and
 * onnxruntime need exported model files), so prefill cases carry no peer.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fromModel, latentBytesPerToken, mhaBytesPerToken } from '@agentlm/inference';
import { modelStats, presetConfig, type YoutuConfig, YoutuModel } from '@agentlm/model';
import {
  type Backend,
  BackendError,
  type BackendOptions,
  initBackend,
  setBackend,
  zeros,
} from '@agentlm/tensor';
import type { BenchCase } from '../result.js';
import { youtu2bCases } from '../youtu-2b.js';

interface Shape {
  label: string;
  config: YoutuConfig;
  prefill: number;
  decode: number;
  /** Weight storage dtypes measured (the math is f32 either way). */
  weights: readonly ('f32' | 'bf16')[];
}

// The latent cache is measured in f32 and bf16 storage (the 2B shape in bf16 only).
const SHAPES: Shape[] = [
  { label: 'micro', config: presetConfig('micro'), prefill: 128, decode: 64, weights: ['f32'] },
  { label: 'small', config: presetConfig('small'), prefill: 64, decode: 16, weights: ['f32'] },
  // The real 2B widths and vocabulary with 2 of its 32 layers: a whole random 2B takes longer to initialise
  // in JS than this benchmark may run; the embedding/head, the largest GEMV, is complete.
  {
    label: 'youtu-2b (2 of 32 layers)',
    config: presetConfig('youtu-2b', { num_hidden_layers: 2 }),
    prefill: 16,
    decode: 6,
    weights: ['f32', 'bf16'],
  },
];

/** Bytes per second of the backend's own contiguous copy kernel (bytes read + written), best of 3. */
async function copyBandwidth(backend: Backend): Promise<number> {
  const n = 16 * 1024 * 1024; // 64 MiB of f32: within every WebGPU binding limit
  const src = zeros([n], { backend });
  const dst = zeros([n], { backend });
  const copy = () =>
    backend.copy(
      { storage: src.storage, offset: 0, strides: [1] },
      { storage: dst.storage, offset: 0, strides: [1] },
      [n],
    );
  copy();
  await backend.sync();
  let best = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    copy();
    await backend.sync();
    best = Math.max(best, (2 * n * 4) / ((performance.now() - t0) / 1000));
  }
  src.dispose();
  dst.dispose();
  return best;
}

/** The slice of a GPUDevice this bench uses (the bench compiles without the WebGPU type declarations). */
interface CopyDevice {
  createBuffer(d: { size: number; usage: number }): { destroy(): void };
  createCommandEncoder(): {
    copyBufferToBuffer(src: unknown, srcOffset: number, dst: unknown, dstOffset: number, size: number): void;
    finish(): unknown;
  };
  queue: { submit(buffers: unknown[]): void; onSubmittedWorkDone(): Promise<void> };
}

/** GPUBufferUsage.COPY_SRC | COPY_DST (numeric: Dawn defines the globals only after its module is set up). */
const COPY_SRC_DST = 0x4 | 0x8;

/**
 * Bytes per second (read + write) of the device's own buffer-to-buffer copy, best of 3: on a GPU, close to its
 * memory bandwidth; a second bound for WebGPU beside the backend's copy kernel.
 */
async function deviceCopyBandwidth(device: CopyDevice): Promise<number> {
  const bytes = 64 * 2 ** 20;
  const [src, dst] = [0, 1].map(() => device.createBuffer({ size: bytes, usage: COPY_SRC_DST }));
  let best = 0;
  for (let i = 0; i < 4; i++) {
    const t0 = performance.now();
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(src, 0, dst, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    if (i > 0) best = Math.max(best, (2 * bytes) / ((performance.now() - t0) / 1000));
  }
  for (const b of [src, dst]) b?.destroy();
  return best;
}

/** Weight bytes one decoded token reads: every matrix once (the tied head reads the whole embedding). */
function weightBytesPerToken(c: YoutuConfig, weights: 'f32' | 'bf16'): number {
  return modelStats(c).parameters * (weights === 'f32' ? 4 : 2);
}

/** Untimed decode steps before each timed run. */
const DECODE_WARMUP = 8;

/** Tokens per second of `steps` one-token steps. */
async function decodeRate(
  steps: number,
  vocab: number,
  step: (id: number) => Promise<unknown>,
): Promise<number> {
  // Warm-up: the first step moves the weights into the GEMV arenas (CPU) or compiles the kernels (WebGPU), and V8
  // optimises the step's JavaScript over the first few.
  for (let i = 0; i < DECODE_WARMUP; i++) await step((i * 29 + 1) % vocab);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step((i * 17 + 3) % vocab);
  return steps / ((performance.now() - t0) / 1000);
}

async function measure(
  backend: Backend,
  s: Shape,
  weights: 'f32' | 'bf16',
  cacheDtype: 'f32' | 'bf16',
  log: (l: string) => void,
): Promise<{ cases: BenchCase[]; bandwidth: number }> {
  const youtu = YoutuModel.init(s.config, { seed: 1, backend, requiresGrad: false, dtype: weights });
  const { model } = fromModel(youtu, null, { dtype: cacheDtype });
  const prompt = Array.from({ length: s.prefill }, (_, i) => (i * 131 + 7) % s.config.vocabSize);
  const seq = model.newSequence();
  await seq.append(prompt.slice(0, 8)); // warm-up: kernels compiled, buffers pooled
  seq.truncate(0);
  const t0 = performance.now();
  await seq.append(prompt);
  const prefillRate = s.prefill / ((performance.now() - t0) / 1000);
  const vocab = s.config.vocabSize;
  let bandwidth = await copyBandwidth(backend);
  const greedy = await decodeRate(s.decode, vocab, (id) => seq.appendGreedy([id]));
  // On a GPU, the same steps reading the whole logits row back (what sampling with penalties needs).
  const fullRow =
    backend.readSync === undefined ? await decodeRate(s.decode, vocab, (id) => seq.append([id])) : null;
  bandwidth = Math.max(bandwidth, await copyBandwidth(backend));
  const device = 'device' in backend ? (backend.device as CopyDevice) : null;
  const deviceBandwidth = device === null ? null : await deviceCopyBandwidth(device);
  seq.dispose();
  youtu.dispose();
  const bound = bandwidth / weightBytesPerToken(s.config, weights);
  const name = `${backend.name} ${s.label} ${weights} weights, ${cacheDtype} cache`;
  log(
    `${name}: prefill ${prefillRate.toFixed(1)} tok/s, decode ${greedy.toFixed(2)} tok/s (bound ${bound.toFixed(2)} at ${(bandwidth / 1e9).toFixed(2)} GB/s)` +
      (fullRow === null ? '' : `, decode with the logits row read back ${fullRow.toFixed(2)} tok/s`) +
      (deviceBandwidth === null
        ? ''
        : `; device buffer copy ${(deviceBandwidth / 1e9).toFixed(2)} GB/s, bound ${(deviceBandwidth / weightBytesPerToken(s.config, weights)).toFixed(1)} tok/s`),
  );
  const cases: BenchCase[] = [
    {
      case: `${name} prefill ${s.prefill}`,
      metric: 'prefill',
      unit: 'tok/s',
      better: 'higher',
      ours: prefillRate,
      peer: null,
      peer_name: null,
    },
    {
      case: `${name} decode`,
      metric: 'decode',
      unit: 'tok/s',
      better: 'higher',
      ours: greedy,
      peer: bound,
      peer_name: 'bandwidth bound (copy)',
    },
  ];
  if (deviceBandwidth !== null) {
    cases.push({
      case: `${name} decode vs the device's buffer copy`,
      metric: 'decode',
      unit: 'tok/s',
      better: 'higher',
      ours: greedy,
      peer: deviceBandwidth / weightBytesPerToken(s.config, weights),
      peer_name: 'bandwidth bound (copyBufferToBuffer)',
    });
  }
  if (fullRow !== null) {
    cases.push({
      case: `${name} decode, logits row read back`,
      metric: 'decode',
      unit: 'tok/s',
      better: 'higher',
      ours: fullRow,
      peer: bound,
      peer_name: 'bandwidth bound (copy)',
    });
  }
  return { cases, bandwidth };
}

/**
 * Split bindings (WebGPU): the micro model with the 2B's 128,256-token vocabulary, f32, whose 131 MB tied
 * embedding fits one 128 MiB binding, run as it is and on a second backend on the same device whose buffers are
 * capped at 32 MiB (`maxBindingBytes`), so the embedding lies in 4 buffers as the 2B's does at 128 MiB and the
 * gather and the LM head run part by part. Ratio = split ÷ unsplit (the target: at least 0.9). Both models stay
 * loaded and their timed runs alternate, each side keeping its best, so that a changing load moves both alike.
 */
const SPLIT = { config: presetConfig('micro', { vocab_size: 128_256 }), prefill: 16, decode: 8, rounds: 6 };
const SPLIT_PART_BYTES = 32 * 2 ** 20;

/** One side of the split-binding comparison: a model on `backend` and its timed prefill and decode. */
async function splitSide(backend: Backend) {
  const { config, prefill, decode } = SPLIT;
  const youtu = YoutuModel.init(config, { seed: 1, backend, requiresGrad: false });
  const { model } = fromModel(youtu, null, { dtype: 'bf16' });
  const prompt = Array.from({ length: prefill }, (_, i) => (i * 131 + 7) % config.vocabSize);
  const seq = model.newSequence();
  await seq.append(prompt.slice(0, 8)); // warm-up: kernels compiled, buffers pooled
  const best = { prefill: 0, decode: 0 };
  return {
    best,
    async round(): Promise<void> {
      seq.truncate(0);
      const t0 = performance.now();
      await seq.append(prompt);
      best.prefill = Math.max(best.prefill, prefill / ((performance.now() - t0) / 1000));
      const rate = await decodeRate(decode, config.vocabSize, (id) => seq.appendGreedy([id]));
      best.decode = Math.max(best.decode, rate);
    },
    dispose(): void {
      seq.dispose();
      youtu.dispose();
    },
  };
}

export async function splitBindingCases(backend: Backend, log: (l: string) => void): Promise<BenchCase[]> {
  const { device } = backend as Backend & { device: BackendOptions['device'] };
  const capped = await initBackend('webgpu', { device, maxBindingBytes: SPLIT_PART_BYTES });
  setBackend(backend); // initBackend made the capped backend the default
  const one = await splitSide(backend);
  const split = await splitSide(capped);
  for (let r = 0; r < SPLIT.rounds; r++) {
    await one.round();
    await split.round();
  }
  one.dispose();
  split.dispose();
  capped.destroy();
  const [a, b] = [split.best, one.best];
  const name =
    'webgpu micro with a 128,256 vocabulary, f32 weights, bf16 cache, embedding in 4 buffers of 32 MiB';
  log(
    `${name}: prefill ${a.prefill.toFixed(1)} vs ${b.prefill.toFixed(1)} tok/s in one buffer, decode ${a.decode.toFixed(2)} vs ${b.decode.toFixed(2)} tok/s (split ÷ one ${(a.decode / b.decode).toFixed(3)})`,
  );
  const peer = {
    better: 'higher' as const,
    unit: 'tok/s',
    peer_name: 'the same model, embedding in one buffer',
  };
  return [
    {
      case: `${name} prefill ${SPLIT.prefill}`,
      metric: 'prefill',
      ours: a.prefill,
      peer: b.prefill,
      ...peer,
    },
    { case: `${name} decode`, metric: 'decode', ours: a.decode, peer: b.decode, ...peer },
  ];
}

function cacheCases(): BenchCase[] {
  return (['youtu-2b', 'small', 'micro'] as const).map((preset) => {
    const c = presetConfig(preset);
    return {
      case: `${preset} KV cache bf16`,
      metric: 'cache',
      unit: 'bytes/token',
      better: 'lower' as const,
      ours: latentBytesPerToken(c, 'bf16'),
      peer: mhaBytesPerToken(c, 'bf16'),
      peer_name: 'MHA cache (2·h·v_head_dim)',
    };
  });
}

/** Measures every shape on one backend (each shape with an f32 and a bf16 cache; the 2B shape bf16 only). */
export async function measureBackend(
  name: 'cpu' | 'webgpu',
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; gbps: number } | null> {
  let backend: Backend;
  try {
    backend = await initBackend(name);
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    log(`${name}: unavailable (${err.message})`);
    return null;
  }
  const cases: BenchCase[] = [];
  let bandwidth = 0;
  const shapes = name === 'cpu' ? SHAPES : SHAPES.slice(0, 1);
  for (const s of shapes) {
    for (const weights of s.weights) {
      for (const cacheDtype of s.label.startsWith('youtu')
        ? (['bf16'] as const)
        : (['f32', 'bf16'] as const)) {
        const r = await measure(backend, s, weights, cacheDtype, log);
        cases.push(...r.cases);
        bandwidth = Math.max(bandwidth, r.bandwidth);
      }
    }
  }
  if (name === 'webgpu') cases.push(...(await splitBindingCases(backend, log)));
  return { cases, gbps: bandwidth / 1e9 };
}

/**
 * WebGPU runs in a child process: a backend fault (the WebGPU kernels are still being written) must not take
 * the CPU figures down with it.
 */
function measureInChild(
  name: 'webgpu',
  log: (line: string) => void,
): { cases: BenchCase[]; gbps: number } | null {
  const here = fileURLToPath(import.meta.url);
  const script = `const m = await import(${JSON.stringify(pathToFileURL(here).href)});
const r = await m.measureBackend(${JSON.stringify(name)}, (l) => console.error(l));
console.log('RESULT ' + JSON.stringify(r));
process.exit(0);`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of child.stderr.split('\n')) if (line.trim() && !line.startsWith('Warning:')) log(line);
  const result = /^RESULT (.*)$/m.exec(child.stdout);
  if (child.status !== 0 || result === null) {
    log(
      `${name}: the measurement process failed (exit ${child.status}, signal ${child.signal}); no ${name} figures`,
    );
    return null;
  }
  return JSON.parse(result[1] as string);
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const cases = cacheCases();
  const machine: Record<string, unknown> = {};
  const cpu = await measureBackend('cpu', log);
  // the full 32-layer 2B (bf16, q8, q4) unless AGENTLM_BENCH_2B=0: minutes, and 7.4 GB of cached checkpoints
  if (process.env.AGENTLM_BENCH_2B !== '0') cases.push(...(await youtu2bCases(log)));
  const webgpu = measureInChild('webgpu', log);
  for (const [name, r] of [
    ['cpu', cpu],
    ['webgpu', webgpu],
  ] as const) {
    if (r === null) continue;
    machine[`${name}_copy_gbps`] = Number(r.gbps.toFixed(2));
    cases.push(...r.cases);
  }
  return { cases, machine };
}
