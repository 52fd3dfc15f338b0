/**
 * An independent plain-f64 forward of the Youtu model, written straight from SPEC §1 (and HF DeepSeek-V3's
 * YaRN formulas) with no tensor library: loops over tokens, heads and dims. It is the correctness oracle of
 * the model tests and produced the committed golden logits. It shares nothing with src/ but the config type.
 */
import type { YoutuConfig } from '../src/index.js';

export type Weights = Map<string, ArrayLike<number>>;

function get(w: Weights, name: string): ArrayLike<number> {
  const v = w.get(name);
  if (v === undefined) throw new Error(`reference: missing weight ${name}`);
  return v;
}

/** y = x·Wᵀ with W stored [out, in]. */
function linear(x: Float64Array, weight: ArrayLike<number>, out: number): Float64Array {
  const inp = x.length;
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = 0;
    for (let i = 0; i < inp; i++) s += x[i] * weight[o * inp + i];
    y[o] = s;
  }
  return y;
}

function rmsNorm(x: Float64Array, weight: ArrayLike<number>, eps: number): Float64Array {
  let ms = 0;
  for (const v of x) ms += v * v;
  const inv = 1 / Math.sqrt(ms / x.length + eps);
  return x.map((v, i) => v * inv * weight[i]);
}

const yarnMscale = (scale: number, m: number) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);

/** Inverse frequencies (YaRN-blended when configured) and the cos/sin attention factor, per HF DeepSeek-V3. */
export function referenceRopeFrequencies(c: YoutuConfig): { invFreq: Float64Array; attentionFactor: number } {
  const r = c.qkRopeHeadDim;
  const base = c.ropeTheta;
  const invFreq = new Float64Array(r / 2);
  for (let i = 0; i < r / 2; i++) invFreq[i] = 1 / base ** ((2 * i) / r);
  const s = c.ropeScaling;
  if (s === null) return { invFreq, attentionFactor: 1 };
  const correctionDim = (rotations: number) =>
    (r * Math.log(s.originalMaxPositionEmbeddings / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  const low = Math.max(Math.floor(correctionDim(s.betaFast)), 0);
  let high = Math.min(Math.ceil(correctionDim(s.betaSlow)), r - 1);
  if (low === high) high += 0.001;
  for (let i = 0; i < r / 2; i++) {
    const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
    const extrapolationWeight = 1 - ramp;
    invFreq[i] = (invFreq[i] / s.factor) * (1 - extrapolationWeight) + invFreq[i] * extrapolationWeight;
  }
  const attentionFactor =
    s.attentionFactor ??
    (s.mscale !== null && s.mscaleAllDim !== null
      ? yarnMscale(s.factor, s.mscale) / yarnMscale(s.factor, s.mscaleAllDim)
      : yarnMscale(s.factor, 1));
  return { invFreq, attentionFactor };
}

/** SPEC §1 RoPE on r dims at position p: de-interleave (evens then odds) when interleaved, then rotate-half. */
function rope(
  x: Float64Array,
  pos: number,
  c: YoutuConfig,
  invFreq: Float64Array,
  factor: number,
): Float64Array {
  const r = x.length;
  const half = r / 2;
  const y = c.ropeInterleave
    ? Float64Array.from({ length: r }, (_, i) => (i < half ? x[2 * i] : x[2 * (i - half) + 1]))
    : x;
  const out = new Float64Array(r);
  for (let i = 0; i < half; i++) {
    const cos = Math.cos(pos * invFreq[i]) * factor;
    const sin = Math.sin(pos * invFreq[i]) * factor;
    out[i] = y[i] * cos - y[i + half] * sin;
    out[i + half] = y[i + half] * cos + y[i] * sin;
  }
  return out;
}

/** Softmax scale: (d_nope + d_rope)^-0.5, times m² when YaRN sets mscale_all_dim. */
export function referenceSoftmaxScale(c: YoutuConfig): number {
  const s = c.ropeScaling;
  const m = s !== null && s.mscaleAllDim !== null ? yarnMscale(s.factor, s.mscaleAllDim) : 1;
  return (c.qkNopeHeadDim + c.qkRopeHeadDim) ** -0.5 * m * m;
}

/** Logits [T][vocab] for one sequence of ids at positions 0..T-1. */
export function referenceForward(c: YoutuConfig, w: Weights, ids: readonly number[]): Float64Array[] {
  const d = c.hiddenSize;
  const h = c.numAttentionHeads;
  const [dn, dr, dv, kvr] = [c.qkNopeHeadDim, c.qkRopeHeadDim, c.vHeadDim, c.kvLoraRank];
  const dq = dn + dr;
  const eps = c.rmsNormEps;
  const { invFreq, attentionFactor } = referenceRopeFrequencies(c);
  const scale = referenceSoftmaxScale(c);
  const embed = get(w, 'model.embed_tokens.weight');
  let xs = ids.map((id) => Float64Array.from({ length: d }, (_, i) => embed[id * d + i]));
  for (let l = 0; l < c.numHiddenLayers; l++) {
    const p = `model.layers.${l}.`;
    const W = (n: string) => get(w, p + n);
    const qs: Float64Array[][] = []; // [t][head] -> [dq], rope part rotated
    const ks: Float64Array[][] = []; // [t][head] -> [dq]
    const vs: Float64Array[][] = []; // [t][head] -> [dv]
    xs.forEach((x, t) => {
      const a = rmsNorm(x, W('input_layernorm.weight'), eps);
      const q =
        c.qLoraRank === null
          ? linear(a, W('self_attn.q_proj.weight'), h * dq)
          : linear(
              rmsNorm(
                linear(a, W('self_attn.q_a_proj.weight'), c.qLoraRank),
                W('self_attn.q_a_layernorm.weight'),
                eps,
              ),
              W('self_attn.q_b_proj.weight'),
              h * dq,
            );
      const kva = linear(a, W('self_attn.kv_a_proj_with_mqa.weight'), kvr + dr);
      const ckv = rmsNorm(kva.slice(0, kvr), W('self_attn.kv_a_layernorm.weight'), eps);
      const kPe = rope(kva.slice(kvr), t, c, invFreq, attentionFactor);
      const kvb = linear(ckv, W('self_attn.kv_b_proj.weight'), h * (dn + dv));
      qs.push([]);
      ks.push([]);
      vs.push([]);
      for (let j = 0; j < h; j++) {
        const qh = q.slice(j * dq, (j + 1) * dq);
        qh.set(rope(qh.slice(dn), t, c, invFreq, attentionFactor), dn);
        qs[t].push(qh);
        const kh = new Float64Array(dq);
        kh.set(kvb.slice(j * (dn + dv), j * (dn + dv) + dn));
        kh.set(kPe, dn);
        ks[t].push(kh);
        vs[t].push(kvb.slice(j * (dn + dv) + dn, (j + 1) * (dn + dv)));
      }
    });
    xs = xs.map((x, t) => {
      const o = new Float64Array(h * dv);
      for (let j = 0; j < h; j++) {
        const scores = Array.from({ length: t + 1 }, (_, s) => {
          let dot = 0;
          for (let i = 0; i < dq; i++) dot += qs[t][j][i] * ks[s][j][i];
          return dot * scale;
        });
        const mx = Math.max(...scores);
        const e = scores.map((v) => Math.exp(v - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let s = 0; s <= t; s++) for (let i = 0; i < dv; i++) o[j * dv + i] += (e[s] / z) * vs[s][j][i];
      }
      const attn = linear(o, W('self_attn.o_proj.weight'), d);
      const x1 = x.map((v, i) => v + attn[i]);
      const b = rmsNorm(x1, W('post_attention_layernorm.weight'), eps);
      const gate = linear(b, W('mlp.gate_proj.weight'), c.intermediateSize);
      const up = linear(b, W('mlp.up_proj.weight'), c.intermediateSize);
      const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]);
      const down = linear(act, W('mlp.down_proj.weight'), d);
      return x1.map((v, i) => v + down[i]);
    });
  }
  const head = c.tieWordEmbeddings ? embed : get(w, 'lm_head.weight');
  return xs.map((x) => linear(rmsNorm(x, get(w, 'model.norm.weight'), eps), head, c.vocabSize));
}

/** Mean cross-entropy of next-token targets (ignoring `ignoreIndex`), in f64. */
export function referenceLoss(
  logits: Float64Array[],
  targets: readonly number[],
  ignoreIndex = -100,
): number {
  let total = 0;
  let count = 0;
  logits.forEach((row, t) => {
    if (targets[t] === ignoreIndex) return;
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
    total += lse - row[targets[t]];
    count++;
  });
  return total / count;
}

/** Deterministic normal(0, std) weights for a config (mulberry32 + Box-Muller); norms get 1 + small noise. */
export function randomWeights(
  specs: { name: string; shape: readonly number[]; kind: string }[],
  seed: number,
  std: number,
): Map<string, Float32Array> {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const n = s.shape.reduce((x, y) => x * y, 1);
    out.set(
      s.name,
      Float32Array.from({ length: n }, () => (s.kind === 'norm' ? 1 + 0.1 * normal() : std * normal())),
    );
  }
  return out;
}
