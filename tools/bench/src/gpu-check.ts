/**
 * `pnpm gpu-check` (tools/gpu-check/gpu-check.sh finds or brings the Vulkan loader, then runs this): on the
 * machine's WebGPU adapter, prints the adapter and the kernel variants chosen for it, runs the WebGPU
 * conformance tests, and measures the tensor, inference and train figures at GPU-sized shapes (matmul 4096³,
 * flash attention fwd+bwd at T = 1024 against the unfused op chain, 2B-shape decode, one `small` training
 * step), writing bench-results/gpu-check.json with the device named.
 * `--reduced` (or AGENTLM_GPU_CHECK_REDUCED=1) runs the per-kernel WebGPU tests and tiny shapes instead, so
 * that CI keeps the command working on a software adapter (Mesa lavapipe) in about a minute; it writes
 * bench-results/gpu-check-reduced.json.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromModel } from '@agentlm/inference';
import { presetConfig, type YoutuConfig, YoutuModel } from '@agentlm/model';
import {
  attention,
  type Backend,
  initBackend,
  matmul,
  randn,
  softmax,
  sum,
  type Tensor,
  tensor,
  tidy,
  where,
} from '@agentlm/tensor';
import { arrayBatchSource, trainLoop } from '@agentlm/trainer';
import { type BenchCase, describeMachine, formatTable, toReport, writeFileAtomic } from './result.js';

const reduced = process.argv.includes('--reduced') || process.env.AGENTLM_GPU_CHECK_REDUCED === '1';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const log = (line: string) => console.log(line);

interface Shapes {
  matmul: number;
  attention: { b: number; h: number; t: number; d: number };
  decode: { config: YoutuConfig; label: string; weights: 'f32' | 'bf16'; steps: number };
  train: { preset: 'nano' | 'small'; rows: number; seq: number };
  tests: string[];
}

const SHAPES: Shapes = reduced
  ? {
      matmul: 128,
      attention: { b: 1, h: 2, t: 64, d: 16 },
      decode: { config: presetConfig('nano'), label: 'nano', weights: 'f32', steps: 4 },
      train: { preset: 'nano', rows: 1, seq: 16 },
      tests: ['test/webgpu/kernels.test.ts'],
    }
  : {
      matmul: 4096,
      attention: { b: 1, h: 8, t: 1024, d: 64 },
      // The 2B widths and vocabulary with 2 of its 32 layers (a whole random 2B takes minutes to initialise).
      decode: {
        config: presetConfig('youtu-2b', { num_hidden_layers: 2 }),
        label: 'youtu-2b (2 of 32 layers)',
        weights: 'bf16',
        steps: 32,
      },
      train: { preset: 'small', rows: 2, seq: 256 },
      tests: ['test/conformance', 'test/webgpu'],
    };

async function ms(run: () => Promise<unknown>, repeats: number): Promise<number> {
  await run(); // compiles the kernels
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[times.length >> 1] as number;
}

async function matmulCase(backend: Backend): Promise<BenchCase> {
  const n = SHAPES.matmul;
  const [a, b] = [1, 2].map((seed) => randn([n, n], { seed, backend }));
  const t = await ms(async () => {
    const c = matmul(a as Tensor, b as Tensor);
    await c.data();
    c.dispose();
  }, 3);
  for (const x of [a, b]) x?.dispose();
  const gflops = (2 * n ** 3) / t / 1e6;
  return {
    case: `matmul ${n}³`,
    metric: 'throughput',
    unit: 'GFLOPS',
    better: 'higher',
    ours: gflops,
    peer: null,
    peer_name: null,
  };
}

/** Causal attention forward + the gradients of q, k, v: the flash kernels against the unfused op chain. */
async function attentionCase(backend: Backend): Promise<BenchCase> {
  const { b, h, t, d } = SHAPES.attention;
  const [q, k, v] = [1, 2, 3].map((seed) =>
    randn([b, h, t, d], { seed, backend, requiresGrad: true }),
  ) as Tensor[];
  const mask = tensor(
    Float32Array.from({ length: t * t }, (_, i) => (i % t <= Math.floor(i / t) ? 1 : 0)),
    [t, t],
    { backend },
  );
  const scale = 1 / Math.sqrt(d);
  const step = (fused: boolean) => async () => {
    const grads = tidy(() => {
      const out = fused
        ? attention(q as Tensor, k as Tensor, v as Tensor, { causal: true, scale })
        : matmul(
            softmax(where(mask, matmul(q as Tensor, k as Tensor, { transposeB: true }).mul(scale), -1e9), -1),
            v as Tensor,
          );
      sum(out).backward();
      return [q, k, v].map((x) => x?.grad as Tensor);
    });
    await Promise.all(grads.map((g) => g.data()));
    for (const x of [q, k, v]) {
      x?.grad?.dispose();
      if (x) x.grad = null;
    }
  };
  const fused = await ms(step(true), 3);
  const unfused = await ms(step(false), 3);
  for (const x of [q, k, v, mask]) x?.dispose();
  return {
    case: `attention fwd+bwd B${b} H${h} T${t} D${d} causal`,
    metric: 'latency',
    unit: 'ms',
    better: 'lower',
    ours: fused,
    peer: unfused,
    peer_name: 'agentlm webgpu unfused chain',
  };
}

async function decodeCase(backend: Backend): Promise<BenchCase> {
  const { config, label, weights, steps } = SHAPES.decode;
  const youtu = YoutuModel.init(config, { seed: 1, backend, requiresGrad: false, dtype: weights });
  const { model } = fromModel(youtu, null, { dtype: 'bf16' });
  const seq = model.newSequence();
  await seq.append([1, 2, 3, 4, 5, 6, 7, 8]);
  for (let i = 0; i < 4; i++) await seq.appendGreedy([(i * 29 + 1) % config.vocabSize]); // compiles, pools
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await seq.appendGreedy([(i * 17 + 3) % config.vocabSize]);
  const rate = steps / ((performance.now() - t0) / 1000);
  youtu.dispose();
  return {
    case: `decode ${label}, ${weights} weights`,
    metric: 'decode',
    unit: 'tok/s',
    better: 'higher',
    ours: rate,
    peer: null,
    peer_name: null,
  };
}

async function trainCase(backend: Backend): Promise<BenchCase> {
  const { preset, rows, seq } = SHAPES.train;
  const c = presetConfig(preset);
  const data = Array.from({ length: rows * 2 }, (_, r) => ({
    tokens: Array.from({ length: seq + 1 }, (_, t) => (r * 131 + t * 17 + 3) % c.vocabSize),
  }));
  let timed = 0;
  const result = await trainLoop({
    model: YoutuModel.init(c, { seed: 1, backend }),
    source: () => arrayBatchSource(data, rows),
    steps: 2,
    microBatches: 1,
    schedule: { kind: 'constant', lr: 1e-3 },
    lossMask: 'all',
    beforeStep: (step) => {
      if (step === 1) timed = performance.now(); // step 0 compiles the kernels
    },
  });
  const rate = (rows * seq) / ((performance.now() - timed) / 1000);
  result.model.dispose();
  return {
    case: `train step ${preset} ${rows}x${seq}`,
    metric: 'throughput',
    unit: 'tok/s',
    better: 'higher',
    ours: rate,
    peer: null,
    peer_name: null,
  };
}

/** The WebGPU tests of the tensor package on this adapter; CI=1 makes a missing adapter a failure. */
function conformance(): boolean {
  log(`\nWebGPU tests: ${SHAPES.tests.join(' ')}`);
  const r = spawnSync('npx', ['vitest', 'run', ...SHAPES.tests], {
    cwd: join(root, 'packages/tensor'),
    env: { ...process.env, CI: '1', AGENTLM_TEST_BACKENDS: 'webgpu' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const summary = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /Test Files|Tests |FAIL|✗|×/.test(l));
  for (const line of summary) log(line);
  return r.status === 0;
}

const started = performance.now();
const backend = await initBackend('webgpu');
const device = (backend as Backend & { device: GPUDevice }).device;
type AdapterInfo = GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
const info = (device as GPUDevice & { adapterInfo?: AdapterInfo }).adapterInfo;
const adapter = [info?.vendor, info?.architecture, info?.device, info?.description]
  .filter(Boolean)
  .join(' / ');
const variants = (backend as Backend & { variants?: unknown }).variants;
log(`adapter: ${adapter || 'unknown'}`);
log(`features: ${[...device.features].sort().join(' ')}`);
log(
  `subgroup sizes: ${info?.subgroupMinSize ?? '?'}..${info?.subgroupMaxSize ?? '?'}; max workgroup storage ${device.limits.maxComputeWorkgroupStorageSize} B; max buffer ${device.limits.maxBufferSize} B`,
);
log(`kernel variants: ${JSON.stringify(variants)}`);

const testsPassed = conformance();
const cases: BenchCase[] = [];
for (const measure of [matmulCase, attentionCase, decodeCase, trainCase]) {
  const c = await measure(backend);
  log(
    `${c.case}: ${c.ours.toFixed(2)} ${c.unit}${c.peer === null ? '' : ` (${c.peer_name} ${c.peer.toFixed(2)})`}`,
  );
  cases.push(c);
}
backend.destroy();
const seconds = (performance.now() - started) / 1000;
const report = toReport(
  cases,
  describeMachine({
    webgpu_adapter: adapter,
    kernel_variants: variants,
    reduced,
    tests_passed: testsPassed,
    seconds: Math.round(seconds),
  }),
);
const out = join(root, 'bench-results', reduced ? 'gpu-check-reduced.json' : 'gpu-check.json');
writeFileAtomic(out, `${JSON.stringify(report, null, 2)}\n`);
log(`\n${formatTable(report.results)}\n\nwrote ${out} in ${seconds.toFixed(0)} s`);
process.exit(testsPassed ? 0 : 1);
