/**
 * The TF.js peer of the benchmarks: the same Youtu MLA model (SPEC §1) written with @tensorflow/tfjs ops, so
 * `pnpm bench model` and `pnpm bench train` compare against one definition. Also the list of our backends a
 * benchmark runs on.
 */
import type { YoutuConfig } from '@agentlm/model';
import { type Backend, BackendError, initBackend } from '@agentlm/tensor';
// the package's Node bundle (CJS) registers the gradients, the chained ops and the cpu backend
import * as tf from '@tensorflow/tfjs';

export { tf };

/** The model as TF.js variables: `logits(ids)` [B·T, V] and the mean next-token `loss(ids, targets)`. */
export function tfModel(c: YoutuConfig) {
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

  // gather's own gradient needs UnsortedSegmentSum, which tfjs-backend-wasm lacks: scatter-add instead
  const lookup = (table: tf.Tensor, idx: tf.Tensor1D) =>
    tf.customGrad((t, save) => {
      // saved, else freed before the backward
      (save as (tensors: tf.Tensor[]) => void)([tf.expandDims(idx, 1)]);
      return {
        value: gather(t as tf.Tensor, idx),
        gradFunc: (dy, saved) => [tf.scatterND(saved[0] as tf.Tensor, dy as tf.Tensor, table.shape)],
      };
    })(table);

  function logits(ids: number[][]): tf.Tensor {
    const [b, t] = [ids.length, ids[0].length];
    const pos = reshape(tf.range(0, t), [t, 1]);
    const freqs = tf.tensor2d([Array.from({ length: dr / 2 }, (_, i) => c.ropeTheta ** ((-2 * i) / dr))]);
    const angles = reshape(mul(pos, freqs), [1, t, 1, dr / 2]);
    const [cos, sin] = [tf.cos(angles), tf.sin(angles)];
    const rope = (x: tf.Tensor) => {
      // interleaved pairs (2i, 2i+1) to halves, by a transpose (a gather's gradient is missing on wasm)
      const [b0, t0, h0] = x.shape;
      const halves = reshape(transpose(reshape(x, [b0, t0, h0, dr / 2, 2]), [0, 1, 2, 4, 3]), x.shape);
      const [x1, x2] = split(halves, 2, 3);
      return concat([sub(mul(x1, cos), mul(x2, sin)), add(mul(x2, cos), mul(x1, sin))], 3);
    };
    const mask = mul(sub(tf.linalg.bandPart(tf.ones([t, t]), -1, 0), 1), 1e9);
    let x = lookup(embed, tf.tensor1d(ids.flat(), 'int32'));
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

/** Our CPU backend, plus WebGPU when an adapter exists (AGENTLM_BENCH_WEBGPU=0 skips it). */
export async function benchBackends(log: (line: string) => void): Promise<Backend[]> {
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
