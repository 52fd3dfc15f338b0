/**
 * `pnpm bench train`: full training steps (micro-batches of forward + backward, global-norm clip, AdamW) of
 * @agentlm/trainer's loop on the `nano`, `micro` and `small` presets on the CPU backend, with data-parallel
 * lanes on every core, as tokens/s and model FLOPs utilisation, against the same model and step in PyTorch
 * eager (torch_youtu.py, one intra-op thread per core; installed with apt where possible, else skipped) and
 * in TF.js on its wasm backend (tf.variableGrads, clipByGlobalNorm, tf.train.adam). Runs alternate between
 * us and the peers, round after round, and each figure is the median of its rounds, so a change in the load
 * of a shared machine falls on both. Then one profiled step of ours prints where the time goes.
 */
import { availableParallelism, loadavg } from 'node:os';
import { configToJSON, presetConfig, weightSpecs, type YoutuConfig, YoutuModel } from '@agentlm/model';
import { type Backend, cpuThreads, initBackend, matmul, randn, tidy } from '@agentlm/tensor';
import { arrayBatchSource, DEFAULT_OPTIM, trainLoop } from '@agentlm/trainer';
import { tf, tfModel } from '../peers/tfjs-youtu.js';
import { checkTorchParity } from '../peers/torch-parity.js';
import { runTorch, setupTorch, type TorchPython } from '../peers/torch-youtu.js';
import { formatProfile, profiledBackend } from '../profile.js';
import type { BenchCase } from '../result.js';

interface Shape {
  preset: 'nano' | 'micro' | 'small';
  rows: number;
  seq: number;
  microBatches: number;
  /** Timed steps per run, after `warmup` untimed ones. */
  steps: number;
  warmup: number;
  /** Whether the TF.js peer runs this shape (from `micro` on, its steps take many minutes on 2 cores). */
  tfjs: boolean;
  /** Alternating rounds (default ROUNDS) and whether a profiled step follows: `small`'s steps take minutes here. */
  rounds?: number;
  profile: boolean;
}

const SHAPES: Shape[] = [
  { preset: 'nano', rows: 4, seq: 128, microBatches: 2, steps: 3, warmup: 1, tfjs: true, profile: true },
  { preset: 'micro', rows: 4, seq: 256, microBatches: 2, steps: 2, warmup: 1, tfjs: false, profile: true },
  {
    preset: 'small',
    rows: 2,
    seq: 256,
    microBatches: 2,
    steps: 1,
    warmup: 1,
    tfjs: false,
    rounds: 1,
    profile: false,
  },
];

/** Alternating runs per shape (AGENTLM_BENCH_ROUNDS); each figure is the median over them. */
const ROUNDS = Number(process.env.AGENTLM_BENCH_ROUNDS ?? 3);
const THREADS = availableParallelism();

/** Training FLOPs per token: 6 × (linear weights + tied head) + causal attention's 6·L·h·(T+1)/2·(dqk + dv). */
export function trainFlopsPerToken(c: YoutuConfig, seq: number): number {
  const linear = weightSpecs(c)
    .filter((s) => s.kind !== 'norm')
    .reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const attention =
    c.numHiddenLayers *
    c.numAttentionHeads *
    ((seq + 1) / 2) *
    (c.qkNopeHeadDim + c.qkRopeHeadDim + c.vHeadDim);
  return 6 * linear + 6 * attention;
}

function rows(c: YoutuConfig, n: number, seq: number): { tokens: number[] }[] {
  return Array.from({ length: n }, (_, b) => ({
    tokens: Array.from({ length: seq + 1 }, (_, t) => (b * 131 + t * 17 + 3) % c.vocabSize),
  }));
}

/** One run's throughput, and its CPU time per token (all threads of the process: less sensitive to the load). */
interface Measure {
  tokensPerSecond: number;
  cpuMsPerToken: number;
}

/** The measure of `tokens` processed since `wall0` (performance.now()) and `cpu0` (process.cpuUsage()). */
function measureSince(tokens: number, wall0: number, cpu0: NodeJS.CpuUsage): Measure {
  const cpu = process.cpuUsage(cpu0);
  return {
    tokensPerSecond: tokens / ((performance.now() - wall0) / 1000),
    cpuMsPerToken: (cpu.user + cpu.system) / 1000 / tokens,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/**
 * Tokens/s of trainLoop's timed steps (from the start of step `warmup` to the loop's return), on `lanes`
 * data-parallel lanes.
 */
async function oursTrain(
  backend: Backend,
  s: Shape,
  lanes: number | 'auto',
  onTimedStart?: () => void,
): Promise<Measure> {
  const c = presetConfig(s.preset);
  const total = s.warmup + s.steps;
  const data = rows(c, s.rows * s.microBatches * total, s.seq);
  let timedStart = 0;
  let cpuStart = process.cpuUsage();
  const result = await trainLoop({
    model: YoutuModel.init(c, { seed: 1, backend }),
    source: () => arrayBatchSource(data, s.rows),
    steps: total,
    microBatches: s.microBatches,
    schedule: { kind: 'constant', lr: 1e-3 },
    lossMask: 'all',
    workers: lanes,
    beforeStep: (step) => {
      if (step !== s.warmup) return;
      onTimedStart?.();
      timedStart = performance.now();
      cpuStart = process.cpuUsage();
    },
  });
  const measure = measureSince(s.rows * s.microBatches * s.seq * s.steps, timedStart, cpuStart);
  result.model.dispose();
  return measure;
}

function torchTrain(py: TorchPython, s: Shape): Measure {
  const o = DEFAULT_OPTIM;
  const reply = runTorch(py, {
    mode: 'train',
    config: configToJSON(presetConfig(s.preset)),
    rows: s.rows,
    seq: s.seq,
    micro_batches: s.microBatches,
    steps: s.steps,
    warmup: s.warmup,
    threads: THREADS,
    lr: 1e-3,
    optim: { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weight_decay: o.weightDecay, clip: o.clip },
  });
  const total = (xs: unknown) => (xs as number[]).reduce((a, b) => a + b, 0);
  const tokens = (reply.tokens_per_step as number) * s.steps;
  return {
    tokensPerSecond: tokens / total(reply.seconds),
    cpuMsPerToken: (1000 * total(reply.cpu_seconds)) / tokens,
  };
}

/** The TF.js step: micro-batch gradients summed (each of loss / microBatches), global-norm clip to 1, Adam. */
async function tfjsTrain(s: Shape): Promise<Measure> {
  const c = presetConfig(s.preset);
  const model = tfModel(c);
  const optimizer = tf.train.adam(1e-3, DEFAULT_OPTIM.beta1, DEFAULT_OPTIM.beta2, DEFAULT_OPTIM.eps);
  const ids = rows(c, s.rows, s.seq).map((r) => r.tokens);
  const step = async () => {
    let sums: Record<string, tf.Tensor> = {};
    for (let k = 0; k < s.microBatches; k++) {
      const { value, grads } = tf.variableGrads(() =>
        tf.div(
          model.loss(
            ids.map((r) => r.slice(0, -1)),
            ids.map((r) => r.slice(1)),
          ),
          s.microBatches,
        ),
      );
      const next = tf.tidy(() =>
        Object.fromEntries(
          Object.entries(grads).map(([n, g]) => [n, sums[n] ? tf.add(sums[n], g) : g.clone()]),
        ),
      );
      tf.dispose([value, ...Object.values(grads), ...Object.values(sums)]);
      sums = next;
    }
    const names = Object.keys(sums);
    const clipped = tf.tidy(() => {
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(sums[n] as tf.Tensor)))));
      const scale = tf.div(1, tf.maximum(norm, 1));
      return names.map((name) => ({ name, tensor: tf.mul(sums[name] as tf.Tensor, scale) }));
    });
    optimizer.applyGradients(clipped);
    await (clipped[0] as { tensor: tf.Tensor }).tensor.data();
    tf.dispose([...Object.values(sums), ...clipped.map((g) => g.tensor)]);
  };
  for (let i = 0; i < s.warmup; i++) await step();
  const [wall0, cpu0] = [performance.now(), process.cpuUsage()];
  for (let i = 0; i < s.steps; i++) await step();
  const measure = measureSince(s.rows * s.microBatches * s.seq * s.steps, wall0, cpu0);
  optimizer.dispose();
  model.dispose();
  return measure;
}

/** Attainable f32 matmul FLOP/s of a backend (a 512³ product), the denominator of MFU. */
async function matmulPeak(backend: Backend): Promise<number> {
  const n = 512;
  const a = randn([n, n], { seed: 1, backend });
  const b = randn([n, n], { seed: 2, backend });
  const once = async () => {
    const c = tidy(() => matmul(a, b));
    await c.data();
    c.dispose();
  };
  await once();
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) await once();
  const secs = (performance.now() - t0) / 3000;
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / secs;
}

/** One warm single-lane step of ours on a profiled backend, printed as a per-kernel table. */
async function profileStep(s: Shape, log: (line: string) => void): Promise<void> {
  const profiled = profiledBackend(await initBackend('cpu'));
  const { tokensPerSecond } = await oursTrain(
    profiled.backend,
    { ...s, steps: 1, warmup: 1 },
    1,
    profiled.reset,
  );
  const wallMs = (1000 * s.rows * s.microBatches * s.seq) / tokensPerSecond;
  log(`${s.preset}: one step on one lane, ${wallMs.toFixed(0)} ms, by kernel:`);
  log(formatProfile(profiled.table(), wallMs));
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const loadBefore = loadavg();
  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const torch = setupTorch(log);
  if (typeof torch === 'string') log(`PyTorch rows skipped: ${torch}`);
  const torchName = typeof torch === 'string' ? null : `PyTorch ${torch.version} eager (${THREADS} threads)`;
  const tfjsName = 'tfjs 4.22 (wasm)';
  const cpu = await initBackend('cpu');
  if (typeof torch !== 'string') {
    const parity = await checkTorchParity(torch, cpu);
    log(
      `PyTorch peer runs our model: loss ${parity.torch.toFixed(6)} vs ours ${parity.ours.toFixed(6)} (tiny nano)`,
    );
  }
  const peak = await matmulPeak(cpu);
  const cases: BenchCase[] = [];
  for (const s of SHAPES) {
    const flops = trainFlopsPerToken(presetConfig(s.preset), s.seq);
    const runners: [string, () => Promise<Measure>][] = [['ours', () => oursTrain(cpu, s, 'auto')]];
    if (typeof torch !== 'string') runners.push(['torch', async () => torchTrain(torch, s)]);
    if (s.tfjs) runners.push(['tfjs', () => tfjsTrain(s)]);
    const figures = new Map<string, Measure[]>(runners.map(([n]) => [n, []]));
    const rounds = Math.min(s.rounds ?? ROUNDS, ROUNDS);
    for (let r = 0; r < rounds; r++) {
      // rotate who goes first, so neither side always runs right after the other's allocations
      for (let i = 0; i < runners.length; i++) {
        const [name, measure] = runners[(i + r) % runners.length] as (typeof runners)[number];
        if (!figures.has(name)) continue;
        try {
          const m = await measure();
          figures.get(name)?.push(m);
          log(
            `${s.preset} round ${r + 1}: ${name} ${m.tokensPerSecond.toFixed(1)} tok/s, ${m.cpuMsPerToken.toFixed(2)} CPU ms/token`,
          );
        } catch (err) {
          // a failing peer loses its rows (logged), never the benchmark; a failure of ours is fatal
          if (name === 'ours') throw err;
          log(`${s.preset}: ${name} failed, its rows are skipped: ${(err as Error).message}`);
          figures.delete(name);
        }
      }
    }
    const medians = (name: string) => {
      const ms = figures.get(name);
      if (!ms) return null;
      return {
        tokensPerSecond: median(ms.map((m) => m.tokensPerSecond)),
        cpuMsPerToken: median(ms.map((m) => m.cpuMsPerToken)),
      };
    };
    const ours = medians('ours') as Measure;
    const tag = `${s.preset}, ${s.microBatches} × ${s.rows} × ${s.seq} tokens per step`;
    for (const [name, peerName] of [
      ['torch', torchName],
      ['tfjs', tfjsName],
    ] as const) {
      const peer = medians(name);
      if (name === 'tfjs' && !peer) continue;
      const rows = [
        ['training step (fwd + bwd + clip + AdamW)', 'throughput', 'tokens/s', 'higher', 'tokensPerSecond'],
        ['CPU time per token, all threads', 'cpu_time', 'ms/token', 'lower', 'cpuMsPerToken'],
      ] as const;
      for (const [what, metric, unit, better, key] of rows) {
        cases.push({
          case: `${tag}: ${what}`,
          metric,
          unit,
          better,
          ours: ours[key],
          peer: peer ? peer[key] : null,
          peer_name: peer ? peerName : null,
        });
      }
    }
    const torchFigure = medians('torch')?.tokensPerSecond ?? null;
    cases.push({
      case: `${tag}: model FLOPs utilisation (of the cpu backend's 512³ matmul rate)`,
      metric: 'mfu',
      unit: '%',
      better: 'higher',
      ours: (100 * ours.tokensPerSecond * flops) / peak,
      peer: torchFigure === null ? null : (100 * torchFigure * flops) / peak,
      peer_name: torchFigure === null ? null : torchName,
    });
    log(
      `${s.preset}: ours ${ours.tokensPerSecond.toFixed(1)} tok/s, PyTorch ${torchFigure?.toFixed(1) ?? '-'} tok/s (medians of ${rounds})`,
    );
    if (s.profile) await profileStep(s, log);
  }
  return {
    cases,
    machine: {
      rounds: Object.fromEntries(SHAPES.map((s) => [s.preset, Math.min(s.rounds ?? ROUNDS, ROUNDS)])),
      matmul_512_gflops: peak / 1e9,
      cpu_threads: cpuThreads(),
      load_average_before: loadBefore,
      load_average_after: loadavg(),
      train_flops_per_token: Object.fromEntries(
        SHAPES.map((s) => [s.preset, trainFlopsPerToken(presetConfig(s.preset), s.seq)]),
      ),
    },
  };
}
