import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@agentlm/model';
import { cpuThreads, full, noGrad, setCpuThreads } from '@agentlm/tensor';
import { describe, expect, it } from 'vitest';
import { CheckpointStore, NonFiniteError, readMetrics, trainLoop, verifyCheckpoint } from '../src/index.js';
import { kernelThreadsPerLane } from '../src/parallel.js';
import { toyModel, toySource } from './fixtures/toy.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-train-'));
const constant = { kind: 'constant', lr: 1e-2 } as const;

async function weightsOf(model: {
  params: Map<string, { data(): Promise<Float32Array | Int32Array> }>;
}): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of model.params) out.set(name, Float32Array.from(await t.data()));
  return out;
}

describe('trainLoop', () => {
  it('lowers the loss on a learnable toy task', async () => {
    const r = await trainLoop({
      model: toyModel(),
      source: toySource(4),
      steps: 30,
      microBatches: 1,
      schedule: constant,
      lossMask: 'all',
    });
    const first = r.losses.slice(0, 3).reduce((a, b) => a + b) / 3;
    const last = r.losses.slice(-3).reduce((a, b) => a + b) / 3;
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(first * 0.5);
    expect(r.steps).toBe(30);
    expect(r.tokens).toBe(30 * 4 * 12);
  });

  it.each(['bf16', 'f16'] as const)(
    'mixed precision (%s forward, f32 masters) learns like f32 and keeps the masters f32',
    async (precision) => {
      const run = (p: 'f32' | 'bf16' | 'f16') =>
        trainLoop({
          model: toyModel(),
          source: toySource(4),
          steps: 30,
          microBatches: 1,
          schedule: constant,
          lossMask: 'all',
          precision: p,
        });
      const [full32, mixed] = [await run('f32'), await run(precision)];
      expect([...mixed.model.params.values()].every((t) => t.dtype === 'f32')).toBe(true);
      // Step 1 sees identical masters, so its loss differs only by the 16-bit rounding of the weights.
      expect(Math.abs((mixed.losses[0] as number) - (full32.losses[0] as number))).toBeLessThan(0.05);
      expect(Math.abs((mixed.losses[0] as number) - (full32.losses[0] as number))).toBeGreaterThan(0);
      const last = mixed.losses.slice(-3).reduce((a, b) => a + b) / 3;
      expect(last).toBeLessThan((mixed.losses[0] as number) * 0.5);
    },
  );

  it('k accumulated micro-batches give the update of one large batch', async () => {
    const run = (rows: number, micro: number) =>
      trainLoop({
        model: toyModel(2),
        source: toySource(rows),
        steps: 2,
        microBatches: micro,
        schedule: constant,
        lossMask: 'assistant',
      });
    const a = await run(2, 2);
    const b = await run(4, 1);
    expect(a.losses[0]).toBeCloseTo(b.losses[0] as number, 5);
    const wa = await weightsOf(a.model);
    const wb = await weightsOf(b.model);
    let worst = 0;
    for (const [name, va] of wa) {
      const vb = wb.get(name) as Float32Array;
      for (let i = 0; i < va.length; i++)
        worst = Math.max(worst, Math.abs((va[i] as number) - (vb[i] as number)));
    }
    expect(worst).toBeLessThan(1e-5);
  });

  it('data parallelism over worker threads ends with bit-identical weights', async () => {
    const run = (workers: number, precision: 'f32' | 'bf16') =>
      trainLoop({
        model: toyModel(3),
        source: toySource(2),
        steps: 3,
        microBatches: 5,
        schedule: constant,
        lossMask: 'assistant',
        precision,
        workers,
      });
    for (const precision of ['f32', 'bf16'] as const) {
      const one = await run(1, precision);
      const three = await run(3, precision);
      expect(three.losses).toEqual(one.losses);
      const w1 = await weightsOf(one.model);
      for (const [name, w] of await weightsOf(three.model)) expect(w, name).toEqual(w1.get(name));
    }
  }, 60_000);

  it('data-parallel lanes share the cores with the kernel pool, which gets them all back after', async () => {
    const seen: number[] = [];
    await trainLoop({
      model: toyModel(3),
      source: toySource(2),
      steps: 2,
      microBatches: 2,
      schedule: constant,
      lossMask: 'all',
      workers: 2,
      beforeStep: () => seen.push(cpuThreads()),
    });
    expect(seen).toEqual([kernelThreadsPerLane(2), kernelThreadsPerLane(2)]);
    expect(kernelThreadsPerLane(2) * 2).toBeLessThanOrEqual(Math.max(2, availableParallelism()));
    expect(await setCpuThreads()).toBe(cpuThreads());
  }, 60_000);

  it('rejects a bad worker count and workers on a non-cpu backend', async () => {
    const opts = {
      source: toySource(2),
      steps: 1,
      microBatches: 1,
      schedule: constant,
      lossMask: 'all',
    } as const;
    await expect(trainLoop({ ...opts, model: toyModel(), workers: 0 })).rejects.toThrow(
      /workers must be a positive integer, got 0/,
    );
  });

  it('writes a checkpoint that loads back with identical logits', async () => {
    const runDir = tmp();
    const r = await trainLoop({
      model: toyModel(),
      source: toySource(2),
      steps: 3,
      microBatches: 1,
      schedule: constant,
      lossMask: 'all',
      runDir,
    });
    expect(r.checkpoint).not.toBeNull();
    const manifest = verifyCheckpoint(r.checkpoint as string);
    expect(Object.keys(manifest.files).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'optimizer.safetensors',
      'trainer_state.json',
    ]);
    const loaded = await loadModel(r.checkpoint as string);
    const ids = [[1, 2, 3, 4, 5, 6]];
    const [x, y] = noGrad(() => [r.model.forward(ids).logits, loaded.forward(ids).logits]);
    expect(Array.from(await (y as NonNullable<typeof y>).data())).toEqual(
      Array.from(await (x as NonNullable<typeof x>).data()),
    );
    const metrics = readMetrics(join(runDir, 'metrics.jsonl'));
    expect(metrics.filter((m) => m.kind === 'train').map((m) => m.step)).toEqual([1, 2, 3]);
  });

  it('stops on an injected NaN without touching the last good checkpoint', async () => {
    const runDir = tmp();
    const poison = (step: number, model: ReturnType<typeof toyModel>) => {
      if (step === 4) {
        const w = model.params.get('model.norm.weight');
        if (w) model.params.set('model.norm.weight', full([...w.shape], Number.NaN, { requiresGrad: true }));
      }
    };
    const run = trainLoop({
      model: toyModel(),
      source: toySource(2),
      steps: 8,
      microBatches: 1,
      schedule: constant,
      lossMask: 'all',
      runDir,
      checkpointEvery: 2,
      beforeStep: poison,
    });
    await expect(run).rejects.toThrow(NonFiniteError);
    await expect(
      trainLoop({
        model: toyModel(),
        source: toySource(2),
        steps: 8,
        microBatches: 1,
        schedule: constant,
        lossMask: 'all',
        runDir: tmp(),
        checkpointEvery: 2,
        beforeStep: poison,
      }),
    ).rejects.toThrow(/step 5: loss is NaN/);
    const store = new CheckpointStore(join(runDir, 'checkpoints'));
    const last = store.latestValid();
    expect(last?.step).toBe(4);
    verifyCheckpoint(last?.path as string);
  });

  it('skip policy drops the bad update and keeps training', async () => {
    let saved: unknown = null;
    const r = await trainLoop({
      model: toyModel(),
      source: toySource(2),
      steps: 6,
      microBatches: 1,
      schedule: constant,
      lossMask: 'all',
      onNonFinite: 'skip',
      beforeStep: (step, model) => {
        const name = 'model.norm.weight';
        if (step === 2) {
          saved = model.params.get(name);
          const w = saved as { shape: readonly number[] };
          model.params.set(name, full([...w.shape], Number.NaN, { requiresGrad: true }));
        }
        if (step === 3) model.params.set(name, saved as never);
      },
    });
    expect(r.skippedSteps).toBe(1);
    expect(Number.isNaN(r.losses[2])).toBe(true);
    expect(r.losses.slice(3).every(Number.isFinite)).toBe(true);
  });

  it('a run killed with SIGKILL and resumed ends with the same weights as an uninterrupted run', () => {
    const child = fileURLToPath(new URL('./fixtures/resume-child.ts', import.meta.url));
    const runChild = (dir: string, killAt: number) =>
      spawnSync(process.execPath, ['--import', 'tsx', child, dir, String(killAt)], {
        encoding: 'utf8',
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      });
    const whole = tmp();
    expect(runChild(whole, -1).status).toBe(0);
    const broken = tmp();
    const killed = runChild(broken, 7);
    expect(killed.signal).toBe('SIGKILL');
    expect(new CheckpointStore(join(broken, 'checkpoints')).latestValid()?.step).toBe(6);
    const resumed = runChild(broken, -1);
    expect(resumed.stderr).toBe('');
    expect(resumed.status).toBe(0);
    const final = (dir: string) =>
      readFileSync(join(dir, 'checkpoints', 'step-00000010', 'model.safetensors'));
    expect(final(broken).equals(final(whole))).toBe(true);
    const opt = (dir: string) =>
      readFileSync(join(dir, 'checkpoints', 'step-00000010', 'optimizer.safetensors'));
    expect(opt(broken).equals(opt(whole))).toBe(true);
    // the metrics of the resumed run continue where the checkpoint was, with no duplicated steps
    const steps = readMetrics(join(broken, 'metrics.jsonl')).map((m) => m.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    writeFileSync(join(broken, 'done'), '');
  }, 60_000);
});
