/**
 * @agentlm/tensor against TF.js in one process: matmul GFLOPS (square and LLM shapes), causal attention
 * forward+backward, and a SwiGLU MLP block forward+backward, on our cpu backend vs tfjs-backend-wasm and
 * our webgpu backend vs tfjs-backend-webgpu on the same Dawn device. Each figure includes reading the
 * result back to the host, for ours and the peer alike. Every case alternates ours and the peer run by run
 * and reports medians (see `pairedMs`), since the machine these run on is shared and its load drifts.
 */

import { readdirSync, readFileSync } from 'node:fs';
import {
  attention,
  type Backend,
  createCpuBackend,
  dispose,
  initBackend,
  matmul,
  randn,
  rmsNorm,
  softmax,
  sum,
  swiglu,
  type Tensor,
  tensor,
  tidy,
  where,
} from '@agentlm/tensor';
import * as tf from '@tensorflow/tfjs-core';
// The gradient functions ship only in the union package's bundle; it registers them in TF.js's global registry.
import '@tensorflow/tfjs';
import type { BenchCase } from '../result.js';

type Log = (line: string) => void;

const MATMULS: [string, number, number, number][] = [
  ['256x256x256', 256, 256, 256],
  ['512x512x512', 512, 512, 512],
  ['1024x1024x1024', 1024, 1024, 1024],
  ['2048x2048x2048', 2048, 2048, 2048],
  ['1x2048x6144 (decode GEMV, x@W^T)', 1, 2048, 6144],
  ['512x2048x6144 (x@W^T)', 512, 2048, 6144],
  ['512x512x2048 (x@W^T)', 512, 512, 2048],
];

/** Transposed-weight shapes are the LLM layout: W stored [out, in], y = x @ W^T. */
const transposed = (name: string) => name.includes('W^T');

/** A timed workload and how to free its inputs. */
interface Runner {
  run: () => Promise<unknown>;
  dispose: () => void;
}

function ourMatmul(backend: Backend, m: number, k: number, n: number, tB: boolean): Runner {
  const a = randn([m, k], { seed: 1, backend });
  const b = randn(tB ? [n, k] : [k, n], { seed: 2, backend });
  return {
    run: async () => {
      const c = matmul(a, b, { transposeB: tB });
      await c.data();
      c.dispose();
    },
    dispose: () => {
      a.dispose();
      b.dispose();
    },
  };
}

function tfMatmul(m: number, k: number, n: number, tB: boolean): Runner {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal(tB ? [n, k] : [k, n]);
  return {
    run: async () => {
      const c = tf.matMul(a, b, false, tB);
      await c.data();
      c.dispose();
    },
    dispose: () => tf.dispose([a, b]),
  };
}

async function msOf(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * ms per run of ours and the peer, measured in alternating rounds (one run of each per round) after one
 * warm-up run each, and summarized by the median: on a shared machine the load drifts over seconds, and
 * alternating exposes both sides to the same drift. At least 3 rounds, more while they fit `budgetMs`.
 */
async function pairedMs(
  ours: Runner,
  peer: Runner,
  budgetMs = 4000,
): Promise<{ ours: number; peer: number }> {
  const warm = (await msOf(ours.run)) + (await msOf(peer.run));
  const rounds = Math.max(3, Math.min(15, Math.floor(budgetMs / Math.max(warm, 1))));
  const o: number[] = [];
  const p: number[] = [];
  for (let i = 0; i < rounds; i++) {
    o.push(await msOf(ours.run));
    p.push(await msOf(peer.run));
  }
  ours.dispose();
  peer.dispose();
  return { ours: median(o), peer: median(p) };
}

/** Causal attention shapes of the benchmark: [batch, heads, t, d]. */
type AttentionShape = { b: number; h: number; t: number; d: number };
const ATTENTION: AttentionShape[] = [
  { b: 1, h: 8, t: 256, d: 64 },
  { b: 1, h: 8, t: 1024, d: 64 },
];

/**
 * Which case groups run (AGENTLM_BENCH_CASES, a comma list of matmul, attention, mlp, quant) on which backends
 * (AGENTLM_BENCH_BACKENDS: cpu, webgpu); all by default.
 */
const only = (variable: string, name: string) => process.env[variable]?.split(',').includes(name) ?? true;

/** Forward+backward of causal attention, fused (one kernel each way) or as matmul/softmax/matmul. */
function ourAttention(backend: Backend, fused: boolean, ATT: AttentionShape): Runner {
  const shape = [ATT.b, ATT.h, ATT.t, ATT.d];
  const [q, k, v] = [1, 2, 3].map((seed) => randn(shape, { seed, backend, requiresGrad: true }));
  const scale = 1 / Math.sqrt(ATT.d);
  const mask = fused ? null : tensor(causalMaskData(ATT.t), [ATT.t, ATT.t], { backend });
  const run = async () => {
    const grads = tidy(() => {
      let out: Tensor;
      if (fused) out = attention(q, k, v, { causal: true, scale });
      else {
        const scores = matmul(q, k, { transposeB: true }).mul(scale);
        out = matmul(softmax(where(mask!, scores, -1e9), -1), v);
      }
      sum(out).backward();
      return [q.grad!, k.grad!, v.grad!];
    });
    await Promise.all(grads.map((g) => g.data()));
    for (const t of [q, k, v]) {
      t.grad?.dispose();
      t.grad = null;
    }
  };
  return { run, dispose: () => dispose([q, k, v, ...(mask ? [mask] : [])]) };
}

function causalMaskData(t: number): Float32Array {
  const m = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = 0; j <= i; j++) m[i * t + j] = 1;
  return m;
}

function tfAttention(ATT: AttentionShape): Runner {
  const shape = [ATT.b, ATT.h, ATT.t, ATT.d];
  const [q, k, v] = [0, 1, 2].map(() => tf.randomNormal(shape));
  const mask = tf.tensor2d(causalMaskData(ATT.t), [ATT.t, ATT.t]).cast('bool');
  const scale = 1 / Math.sqrt(ATT.d);
  const f = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => {
    const scores = tf.mul(tf.matMul(qq, kk, false, true), scale);
    const masked = tf.where(mask, scores, tf.fill(scores.shape, -1e9));
    return tf.sum(tf.matMul(tf.softmax(masked), vv));
  };
  const grad = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor);
  const run = async () => {
    const gs = grad([q, k, v]);
    await Promise.all(gs.map((g) => g.data()));
    tf.dispose(gs);
  };
  return { run, dispose: () => tf.dispose([q, k, v, mask]) };
}

/** SwiGLU MLP block: y = x + down(swiglu(gate(n), up(n))), n = rmsNorm(x); t tokens, width d, ffn f. */
const MLP = { t: 256, d: 512, f: 1536 };

function ourMlp(backend: Backend): Runner {
  const x = randn([MLP.t, MLP.d], { seed: 1, backend });
  const norm = randn([MLP.d], { seed: 2, backend, requiresGrad: true });
  const [gate, up] = [3, 4].map((seed) =>
    randn([MLP.f, MLP.d], { seed, std: 0.02, backend, requiresGrad: true }),
  );
  const down = randn([MLP.d, MLP.f], { seed: 5, std: 0.02, backend, requiresGrad: true });
  const params = [norm, gate, up, down];
  const run = async () => {
    const grads = tidy(() => {
      const n = rmsNorm(x, norm, 1e-6);
      const h = swiglu(matmul(n, gate, { transposeB: true }), matmul(n, up, { transposeB: true }));
      sum(x.add(matmul(h, down, { transposeB: true }))).backward();
      return params.map((p) => p.grad!);
    });
    await Promise.all(grads.map((g) => g.data()));
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
  };
  return { run, dispose: () => dispose([x, ...params]) };
}

function tfMlp(): Runner {
  const x = tf.randomNormal([MLP.t, MLP.d]);
  const norm = tf.randomNormal([MLP.d]);
  const gate = tf.randomNormal([MLP.f, MLP.d], 0, 0.02);
  const up = tf.randomNormal([MLP.f, MLP.d], 0, 0.02);
  const down = tf.randomNormal([MLP.d, MLP.f], 0, 0.02);
  const f = (w: tf.Tensor, g: tf.Tensor, u: tf.Tensor, dn: tf.Tensor) => {
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6));
    const n = tf.mul(tf.mul(x, rstd), w);
    const gg = tf.matMul(n, g, false, true);
    const h = tf.mul(tf.mul(gg, tf.sigmoid(gg)), tf.matMul(n, u, false, true));
    return tf.sum(tf.add(x, tf.matMul(h, dn, false, true)));
  };
  const grad = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor);
  const run = async () => {
    const gs = grad([norm, gate, up, down]);
    await Promise.all(gs.map((g) => g.data()));
    tf.dispose(gs);
  };
  return { run, dispose: () => tf.dispose([x, norm, gate, up, down]) };
}

/** Measures every case for one pairing (our backend vs the TF.js backend already selected). */
async function suite(label: string, ours: Backend, peer: string, log: Log): Promise<BenchCase[]> {
  const cases: BenchCase[] = [];
  const add = (c: Omit<BenchCase, 'case'> & { case: string }) => {
    cases.push({ ...c, case: `${label} ${c.case}` });
    const ratio = c.peer ? (c.better === 'higher' ? c.ours / c.peer : c.peer / c.ours) : NaN;
    log(
      `${label} ${c.case}: ours ${c.ours.toFixed(2)} ${c.unit}, ${c.peer_name} ${c.peer?.toFixed(2)} (${ratio.toFixed(2)}x)`,
    );
  };
  for (const [name, m, k, n] of only('AGENTLM_BENCH_CASES', 'matmul') ? MATMULS : []) {
    const flops = 2 * m * k * n;
    const tB = transposed(name);
    const ms = await pairedMs(ourMatmul(ours, m, k, n, tB), tfMatmul(m, k, n, tB));
    add({
      case: `matmul ${name}`,
      metric: 'throughput',
      unit: 'GFLOPS',
      better: 'higher',
      ours: flops / ms.ours / 1e6,
      peer: flops / ms.peer / 1e6,
      peer_name: peer,
    });
  }
  for (const ATT of only('AGENTLM_BENCH_CASES', 'attention') ? ATTENTION : []) {
    const att = await pairedMs(ourAttention(ours, true, ATT), tfAttention(ATT));
    const shape = `B${ATT.b} H${ATT.h} T${ATT.t} D${ATT.d} causal`;
    add({
      case: `attention fwd+bwd ${shape}`,
      metric: 'latency',
      unit: 'ms',
      better: 'lower',
      ours: att.ours,
      peer: att.peer,
      peer_name: peer,
    });
    const fusion = await pairedMs(ourAttention(ours, true, ATT), ourAttention(ours, false, ATT));
    add({
      case: `attention fwd+bwd ${shape}, fused vs our unfused chain`,
      metric: 'latency',
      unit: 'ms',
      better: 'lower',
      ours: fusion.ours,
      peer: fusion.peer,
      peer_name: `agentlm ${ours.name} unfused`,
    });
  }
  if (!only('AGENTLM_BENCH_CASES', 'mlp')) return cases;
  const mlp = await pairedMs(ourMlp(ours), tfMlp());
  add({
    case: `MLP block fwd+bwd T${MLP.t} d${MLP.d} ffn${MLP.f}`,
    metric: 'latency',
    unit: 'ms',
    better: 'lower',
    ours: mlp.ours,
    peer: mlp.peer,
    peer_name: peer,
  });
  return cases;
}

/** The decode GEMV of a 2B model's MLP (x @ Wᵀ, W [6144, 2048]) with the weight stored bf16, q8 or q4. */
const GEMV = { n: 6144, k: 2048, perRead: 8 };
const WEIGHT_BYTES = { bf16: 2, q8: 34 / 32, q4: 20 / 32 } as const;

/** CPU ms of every thread but the main one (lavapipe's workers), or null where /proc is absent. */
function workerCpuMs(): number | null {
  try {
    let ns = 0;
    for (const task of readdirSync('/proc/self/task')) {
      if (task !== String(process.pid)) {
        ns += Number(readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

/**
 * GEMV.perRead products x @ Wᵀ then one readback (a decode step reads back once after hundreds of them);
 * `cpu` collects the worker CPU time per product.
 */
function ourGemv(backend: Backend, dtype: keyof typeof WEIGHT_BYTES, cpu: number[]): Runner {
  const values = randn([GEMV.n, GEMV.k], { seed: 3, std: 0.02, backend: createCpuBackend() });
  const w = tensor(values.dataSync(), [GEMV.n, GEMV.k], { dtype, backend });
  values.dispose();
  const x = randn([1, GEMV.k], { seed: 4, backend });
  return {
    run: async () => {
      const c0 = workerCpuMs();
      const ys = Array.from({ length: GEMV.perRead }, () => matmul(x, w, { transposeB: true }));
      await ys[GEMV.perRead - 1].data();
      dispose(ys);
      const c1 = workerCpuMs();
      if (c0 !== null && c1 !== null) cpu.push((c1 - c0) / GEMV.perRead);
    },
    dispose: () => dispose([w, x]),
  };
}

/**
 * WebGPU decode GEMV with q8 and q4 weights against the same product with bf16 weights (the peer), as
 * latency per product and as the CPU time of lavapipe's workers per product (the steadier figure on a
 * software adapter, whose wall time includes waiting for cores on a loaded machine).
 */
async function quantGemvCases(gpu: Backend, log: Log): Promise<BenchCase[]> {
  const cases: BenchCase[] = [];
  const shape = `1x${GEMV.k}x${GEMV.n} (decode GEMV, x@W^T)`;
  for (const dtype of ['q8', 'q4'] as const) {
    const cpu = { ours: [] as number[], peer: [] as number[] };
    const ms = await pairedMs(ourGemv(gpu, dtype, cpu.ours), ourGemv(gpu, 'bf16', cpu.peer));
    const perProduct = { ours: ms.ours / GEMV.perRead, peer: ms.peer / GEMV.perRead };
    const gbps = (GEMV.n * GEMV.k * WEIGHT_BYTES[dtype]) / perProduct.ours / 1e6;
    log(
      `webgpu ${dtype} ${shape}: ${perProduct.ours.toFixed(2)} ms (${gbps.toFixed(2)} GB/s of weights), bf16 ${perProduct.peer.toFixed(2)} ms`,
    );
    const peer_name = 'agentlm webgpu bf16 weights';
    cases.push({
      case: `webgpu matmul ${dtype} weights ${shape}`,
      metric: 'latency',
      unit: 'ms',
      better: 'lower',
      ours: perProduct.ours,
      peer: perProduct.peer,
      peer_name,
    });
    if (cpu.ours.length && cpu.peer.length) {
      const [ours, peer] = [median(cpu.ours), median(cpu.peer)];
      log(`webgpu ${dtype} ${shape}: lavapipe worker CPU ${ours.toFixed(2)} ms, bf16 ${peer.toFixed(2)} ms`);
      cases.push({
        case: `webgpu matmul ${dtype} weights ${shape}, worker CPU time`,
        metric: 'cpu time',
        unit: 'ms',
        better: 'lower',
        ours,
        peer,
        peer_name,
      });
    }
  }
  return cases;
}

export async function run(log: Log): Promise<{ cases: BenchCase[]; machine?: Record<string, unknown> }> {
  const cases: BenchCase[] = [];
  const machine: Record<string, unknown> = {};

  await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend('wasm');
  await tf.ready();
  const cpu = createCpuBackend();
  if (only('AGENTLM_BENCH_BACKENDS', 'cpu')) cases.push(...(await suite('cpu', cpu, 'tfjs-wasm', log)));

  let gpu: Backend | null = null;
  try {
    if (only('AGENTLM_BENCH_BACKENDS', 'webgpu')) gpu = await initBackend('webgpu');
  } catch (e) {
    log(`webgpu unavailable, skipping its cases: ${(e as Error).message}`);
  }
  if (gpu) {
    // TF.js only checks that navigator.gpu exists (Node 20 has no navigator); it runs on our device.
    (globalThis as { navigator?: unknown }).navigator ??= { gpu: {} };
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const device = (gpu as unknown as { device: ConstructorParameters<typeof WebGPUBackend>[0] }).device;
    // Its kernels are registered under the name 'webgpu', so its factory is replaced by one on our device.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device));
    await tf.setBackend('webgpu');
    if (tf.getBackend() !== 'webgpu')
      throw new Error(`TF.js webgpu did not initialize (backend: ${tf.getBackend()})`);
    await tf.ready();
    machine.webgpu =
      'Dawn (webgpu npm package) on Mesa lavapipe (software Vulkan); TF.js webgpu on the same GPUDevice';
    cases.push(...(await suite('webgpu', gpu, 'tfjs-webgpu', log)));
    if (only('AGENTLM_BENCH_CASES', 'quant')) cases.push(...(await quantGemvCases(gpu, log)));
  }
  machine.peers =
    'TF.js 4.22 (tfjs-backend-wasm, tfjs-backend-webgpu); onnxruntime-node did not install (its postinstall downloads from nuget, offline here)';
  return { cases, machine };
}
