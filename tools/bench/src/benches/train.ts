/**
 * `pnpm bench train`: full training steps (forward, backward, global-norm clip, AdamW) of @agentlm/trainer's
 * loop on the `micro` and `small` presets, per available @agentlm/tensor backend, as tokens/s and model FLOPs
 * utilisation, against the same model and step in TF.js (cpu backend: tf.variableGrads, clipByGlobalNorm,
 * tf.train.adam) in the same process.
 */
import { presetConfig, weightSpecs, type YoutuConfig, YoutuModel } from '@agentlm/model';
import { type Backend, matmul, randn, tidy } from '@agentlm/tensor';
import { arrayBatchSource, trainLoop } from '@agentlm/trainer';
import { benchBackends, tf, tfModel } from '../peers/tfjs-youtu.js';
import type { BenchCase } from '../result.js';

interface Shape {
  preset: 'micro' | 'small';
  batch: number;
  seq: number;
  steps: number;
  /** Untimed steps first (JIT warm-up); 0 at `small`, where one peer step takes minutes on this machine. */
  warmup: number;
}

// Kept tiny: the machine is a shared 2-core CPU and the peer's plain-JS backend needs ~1 min per micro step.
const SHAPES: Shape[] = [
  { preset: 'micro', batch: 1, seq: 16, steps: 1, warmup: 1 },
  { preset: 'small', batch: 1, seq: 8, steps: 1, warmup: 0 },
];

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

/** Tokens/s of trainLoop steps after `warmup` untimed ones. */
async function oursTrain(backend: Backend, s: Shape): Promise<number> {
  const c = presetConfig(s.preset);
  const data = rows(c, s.batch * (s.steps + 1), s.seq);
  const common = {
    source: () => arrayBatchSource(data, s.batch),
    microBatches: 1,
    schedule: { kind: 'constant', lr: 1e-3 } as const,
    lossMask: 'all' as const,
  };
  const warm = await trainLoop({ ...common, model: YoutuModel.init(c, { seed: 1, backend }), steps: 1 });
  const timed = await trainLoop({ ...common, model: warm.model, steps: s.steps });
  timed.model.dispose();
  return timed.tokens / timed.seconds;
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

/** The same step in TF.js: expanded MLA with interleaved RoPE, SwiGLU, tied head; clip + Adam. */
/** The TF.js peer's step on the shared TF.js model: next-token loss, global-norm clip to 1, Adam. */
function tfTrainer(c: YoutuConfig) {
  const model = tfModel(c);
  const optimizer = tf.train.adam(1e-3, 0.9, 0.95, 1e-8);
  const loss = (ids: number[][]) =>
    model.loss(
      ids.map((r) => r.slice(0, -1)),
      ids.map((r) => r.slice(1)),
    );
  return {
    async step(ids: number[][]) {
      const { value, grads } = tf.variableGrads(() => loss(ids));
      const names = Object.keys(grads);
      const scale = tf.tidy(() => {
        const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)))));
        return tf.div(1, tf.maximum(norm, 1));
      });
      const clipped = names.map((name) => ({
        name,
        tensor: tf.mul(grads[name] as tf.Tensor, scale),
      }));
      optimizer.applyGradients(clipped);
      await value.data();
      tf.dispose([value, scale, ...Object.values(grads), ...clipped.map((c) => c.tensor)]);
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

async function peerTrain(s: Shape): Promise<number> {
  const c = presetConfig(s.preset);
  const m = tfTrainer(c);
  const ids = rows(c, s.batch, s.seq).map((r) => r.tokens);
  for (let i = 0; i < s.warmup; i++) await m.step(ids);
  const t0 = performance.now();
  for (let i = 0; i < s.steps; i++) await m.step(ids);
  const secs = (performance.now() - t0) / 1000;
  m.dispose();
  return (s.batch * s.seq * s.steps) / secs;
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  await tf.setBackend('cpu');
  await tf.ready();
  const cases: BenchCase[] = [];
  const peerName = 'tfjs 4.22 (cpu)';
  const peaks = new Map<string, number>();
  for (const s of SHAPES) {
    const c = presetConfig(s.preset);
    const flops = trainFlopsPerToken(c, s.seq);
    const peer = await peerTrain(s);
    log(`${s.preset}: ${peerName} ${peer.toFixed(1)} tok/s`);
    for (const backend of await benchBackends(log)) {
      if (!peaks.has(backend.name)) peaks.set(backend.name, await matmulPeak(backend));
      const peak = peaks.get(backend.name) as number;
      const ours = await oursTrain(backend, s);
      log(
        `${s.preset} ${backend.name}: ${ours.toFixed(1)} tok/s, MFU ${((100 * ours * flops) / peak).toFixed(1)}% of ${(peak / 1e9).toFixed(2)} GFLOP/s`,
      );
      const tag = `${s.preset} ${backend.name}, batch ${s.batch} × ${s.seq}`;
      cases.push(
        {
          case: `${tag}: training step (fwd + bwd + clip + AdamW)`,
          metric: 'throughput',
          unit: 'tokens/s',
          better: 'higher',
          ours,
          peer,
          peer_name: peerName,
        },
        {
          case: `${tag}: model FLOPs utilisation (of the backend's 512³ matmul rate)`,
          metric: 'mfu',
          unit: '%',
          better: 'higher',
          ours: (100 * ours * flops) / peak,
          peer: (100 * peer * flops) / peak,
          peer_name: peerName,
        },
      );
    }
  }
  return {
    cases,
    machine: {
      train_flops_per_token: Object.fromEntries(
        SHAPES.map((s) => [s.preset, trainFlopsPerToken(presetConfig(s.preset), s.seq)]),
      ),
    },
  };
}
