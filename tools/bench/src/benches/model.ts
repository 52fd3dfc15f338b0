/**
 * `pnpm bench model`: training (forward + backward) and prefill throughput of the Youtu MLA model on each
 * available @agentlm/tensor backend, against the same model shape written in TF.js (@tensorflow/tfjs ops on its
 * cpu backend, gradients by tf.variableGrads) in the same process.
 */
import { ContiguousLatentCache, presetConfig, type YoutuConfig, YoutuModel } from '@agentlm/model';
import { type Backend, BackendError, initBackend, type Tensor, tidy, zeroGrad } from '@agentlm/tensor';
// the package's Node bundle (CJS) registers the gradients, the chained ops and the cpu backend
import * as tf from '@tensorflow/tfjs';
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
function tfModel(c: YoutuConfig) {
  const std = c.initializerRange;
  const v = (shape: number[], s = std) => tf.variable(tf.randomNormal(shape, 0, s));
  const h = c.numAttentionHeads;
  const [dn, dr, dv, kvr, q] = [
    c.qkNopeHeadDim,
    c.qkRopeHeadDim,
    c.vHeadDim,
    c.kvLoraRank,
    c.qLoraRank as number,
  ];
  const d = c.hiddenSize;
  const embed = v([c.vocabSize, d], c.embeddingInitializerRange);
  const ones = (n: number) => tf.variable(tf.ones([n]));
  const layers = Array.from({ length: c.numHiddenLayers }, () => ({
    inNorm: ones(d),
    qa: v([q, d]),
    qaNorm: ones(q),
    qb: v([h * (dn + dr), q]),
    kva: v([kvr + dr, d]),
    kvNorm: ones(kvr),
    kvb: v([h * (dn + dv), kvr]),
    o: v([d, h * dv]),
    postNorm: ones(d),
    gate: v([c.intermediateSize, d]),
    up: v([c.intermediateSize, d]),
    down: v([d, c.intermediateSize]),
  }));
  const norm = ones(d);
  const { add, mul, sub, matMul, reshape, transpose, split, concat, gather } = tf;
  const rms = (x: tf.Tensor, g: tf.Tensor) =>
    mul(mul(x, tf.rsqrt(add(tf.mean(tf.square(x), -1, true), c.rmsNormEps))), g);
  const lin = (x: tf.Tensor, w: tf.Tensor) => matMul(x as tf.Tensor2D, w as tf.Tensor2D, false, true);
  const deinterleave = tf.tensor1d(
    Array.from({ length: dr }, (_, i) => (i < dr / 2 ? 2 * i : 2 * (i - dr / 2) + 1)),
    'int32',
  );

  function logits(ids: number[][]): tf.Tensor {
    const [b, t] = [ids.length, ids[0].length];
    const pos = reshape(tf.range(0, t), [t, 1]);
    const freqs = tf.tensor2d([Array.from({ length: dr / 2 }, (_, i) => c.ropeTheta ** ((-2 * i) / dr))]);
    const angles = reshape(mul(pos, freqs), [1, t, 1, dr / 2]);
    const [cos, sin] = [tf.cos(angles), tf.sin(angles)];
    const rope = (x: tf.Tensor) => {
      const [x1, x2] = split(gather(x, deinterleave, 3), 2, 3);
      return concat([sub(mul(x1, cos), mul(x2, sin)), add(mul(x2, cos), mul(x1, sin))], 3);
    };
    const mask = mul(sub(tf.linalg.bandPart(tf.ones([t, t]), -1, 0), 1), 1e9);
    let x = gather(embed, tf.tensor1d(ids.flat(), 'int32'));
    for (const w of layers) {
      const a = rms(x, w.inNorm);
      const [qn, qp] = split(
        reshape(lin(rms(lin(a, w.qa), w.qaNorm), w.qb), [b, t, h, dn + dr]),
        [dn, dr],
        3,
      );
      const [ckvRaw, kpRaw] = split(lin(a, w.kva), [kvr, dr], 1);
      const kp = rope(reshape(kpRaw, [b, t, 1, dr]));
      const [kn, vv] = split(reshape(lin(rms(ckvRaw, w.kvNorm), w.kvb), [b, t, h, dn + dv]), [dn, dv], 3);
      const k = transpose(concat([kn, tf.tile(kp, [1, 1, h, 1])], 3), [0, 2, 1, 3]);
      const qq = transpose(concat([qn, rope(qp)], 3), [0, 2, 1, 3]);
      const scores = add(
        mul(matMul(qq as tf.Tensor4D, k as tf.Tensor4D, false, true), (dn + dr) ** -0.5),
        mask,
      );
      const o = matMul(tf.softmax(scores) as tf.Tensor4D, transpose(vv, [0, 2, 1, 3]) as tf.Tensor4D);
      x = add(x, lin(reshape(transpose(o, [0, 2, 1, 3]), [b * t, h * dv]), w.o));
      const bn = rms(x, w.postNorm);
      const g = lin(bn, w.gate);
      x = add(x, lin(mul(mul(g, tf.sigmoid(g)), lin(bn, w.up)), w.down));
    }
    return lin(rms(x, norm), embed);
  }

  function loss(ids: number[][], targets: number[][]): tf.Scalar {
    const lp = tf.logSoftmax(logits(ids));
    const picked = tf.sum(mul(lp, tf.oneHot(tf.tensor1d(targets.flat(), 'int32'), c.vocabSize)), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  }
  const dispose = () => tf.disposeVariables();
  return { logits, loss, dispose };
}

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

async function backends(log: (line: string) => void): Promise<Backend[]> {
  const list = [await initBackend('cpu')];
  if (process.env.AGENTLM_BENCH_WEBGPU === '0') return list;
  try {
    list.push(await initBackend('webgpu'));
  } catch (err) {
    if (!(err instanceof BackendError)) throw err;
    log(`webgpu unavailable: ${err.message}`);
  }
  return list;
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
    for (const backend of await backends(log)) {
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
