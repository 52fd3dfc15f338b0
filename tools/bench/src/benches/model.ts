/**
 * `pnpm bench model`: training (forward + backward) and prefill throughput of the Youtu MLA model on each
 * available @agentlm/tensor backend, against the same model shape written in TF.js (@tensorflow/tfjs ops on its
 * cpu backend, gradients by tf.variableGrads) in the same process.
 */
import { ContiguousLatentCache, presetConfig, type YoutuConfig, YoutuModel } from '@agentlm/model';
import { type Backend, type Tensor, tidy, zeroGrad } from '@agentlm/tensor';
import { benchBackends, tf, tfModel } from '../peers/tfjs-youtu.js';
import type { BenchCase } from '../result.js';

interface Shape {
  preset: 'micro' | 'small';
  batch: number;
  seq: number;
  steps: number;
  prefill: number;
}

// Kept small: the whole run shares a 2-core machine, and the peer's plain-JS cpu backend is slow at `small`.
const SHAPES: Shape[] = [
  { preset: 'micro', batch: 1, seq: 32, steps: 1, prefill: 32 },
  { preset: 'small', batch: 1, seq: 8, steps: 1, prefill: 8 },
];

function batchOf(c: YoutuConfig, batch: number, seq: number): { ids: number[][]; targets: number[][] } {
  const ids = Array.from({ length: batch }, (_, b) =>
    Array.from({ length: seq }, (_, t) => (b * 131 + t * 17 + 3) % c.vocabSize),
  );
  return { ids, targets: ids.map((row) => [...row.slice(1), 0]) };
}

/** Median seconds of `steps` runs after one warm-up. */
async function timeIt(steps: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function oursTrain(backend: Backend, s: Shape): Promise<number> {
  const c = presetConfig(s.preset);
  const model = YoutuModel.init(c, { seed: 1, backend });
  const { ids, targets } = batchOf(c, s.batch, s.seq);
  const secs = await timeIt(s.steps, async () => {
    const loss = tidy(() => {
      const l = model.forward(ids, { targets }).loss as Tensor;
      l.backward();
      return l;
    });
    await loss.item();
    loss.dispose();
    zeroGrad(model.parameters());
  });
  model.dispose();
  return (s.batch * s.seq) / secs;
}

async function oursPrefill(backend: Backend, s: Shape): Promise<number> {
  const c = presetConfig(s.preset);
  const model = YoutuModel.init(c, { seed: 1, backend, requiresGrad: false });
  const prompt = batchOf(c, 1, s.prefill).ids[0];
  const secs = await timeIt(s.steps, async () => {
    const cache = new ContiguousLatentCache(c);
    const logits = model.prefill(prompt, cache);
    await logits.data();
    logits.dispose();
    cache.dispose();
  });
  model.dispose();
  return s.prefill / secs;
}

/** The same architecture in TF.js: expanded MLA with interleaved RoPE, SwiGLU, tied head. */
async function peerTrain(s: Shape): Promise<number> {
  const c = presetConfig(s.preset);
  const m = tfModel(c);
  const { ids, targets } = batchOf(c, s.batch, s.seq);
  const secs = await timeIt(s.steps, async () => {
    const { value, grads } = tf.variableGrads(() => m.loss(ids, targets));
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  });
  m.dispose();
  return (s.batch * s.seq) / secs;
}

async function peerPrefill(s: Shape): Promise<number> {
  const c = presetConfig(s.preset);
  const m = tfModel(c);
  const prompt = batchOf(c, 1, s.prefill).ids;
  const secs = await timeIt(s.steps, async () => {
    const out = tf.tidy(() => tf.slice(m.logits(prompt), [s.prefill - 1, 0], [1, c.vocabSize]));
    await out.data();
    out.dispose();
  });
  m.dispose();
  return s.prefill / secs;
}

export async function run(
  log: (line: string) => void,
): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  await tf.setBackend('cpu');
  await tf.ready();
  const cases: BenchCase[] = [];
  const peerName = 'tfjs 4.22 (cpu)';
  for (const s of SHAPES) {
    log(`${s.preset}: measuring ${peerName}`);
    const peerT = await peerTrain(s);
    log(`${s.preset}: tfjs train ${peerT.toFixed(1)} tok/s`);
    const peerP = await peerPrefill(s);
    log(`${s.preset}: tfjs prefill ${peerP.toFixed(1)} tok/s`);
    for (const backend of await benchBackends(log)) {
      const train = await oursTrain(backend, s);
      const prefill = await oursPrefill(backend, s);
      log(
        `${s.preset} ${backend.name}: train ${train.toFixed(1)} tok/s, prefill ${prefill.toFixed(1)} tok/s`,
      );
      const tag = `${s.preset} ${backend.name}`;
      cases.push(
        {
          case: `${tag} fwd+bwd B${s.batch}xT${s.seq}`,
          metric: 'train',
          unit: 'tokens/s',
          better: 'higher',
          ours: train,
          peer: peerT,
          peer_name: peerName,
        },
        {
          case: `${tag} prefill T${s.prefill}`,
          metric: 'prefill',
          unit: 'tokens/s',
          better: 'higher',
          ours: prefill,
          peer: peerP,
          peer_name: peerName,
        },
      );
    }
  }
  return { cases, machine: { peer: peerName, shapes: SHAPES } };
}
