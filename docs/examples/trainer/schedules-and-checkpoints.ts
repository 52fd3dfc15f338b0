// The pieces of a run that need no model: a warmup-stable-decay schedule from curriculum stage hints,
// an atomic checkpoint store with a sha256 manifest and keep-last-K rotation, and an SVG plot.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointStore, lrAt, svgLinePlot, verifyCheckpoint, wsdFromStageHints } from '@agentlm/trainer';

// Stage hints as the mixer writes them: commonsense (warmup), STEM (stable), two long-context stages (decay).
const schedule = wsdFromStageHints(
  [
    { steps: 400, lr: 'warmup' },
    { steps: 300, lr: 'stable' },
    { steps: 150, lr: 'decay' },
    { steps: 150, lr: 'decay' },
  ],
  { peakLr: 3e-3, warmupSteps: 50, minLrRatio: 0.1 },
);
for (const step of [0, 49, 500, 700, 850, 999])
  console.log(`lr at step ${step}: ${lrAt(schedule, step).toExponential(2)}`);

const dir = mkdtempSync(join(tmpdir(), 'agentlm-example-ckpt-'));
const store = new CheckpointStore(join(dir, 'checkpoints'), { keepLast: 2 });
for (const step of [100, 200, 300])
  await store.save(step, { 'trainer_state.json': JSON.stringify({ step }) });
console.log(
  `kept: ${store
    .list()
    .map((c) => c.step)
    .join(', ')}`,
);
const latest = store.latestValid();
console.log(
  `newest valid: step ${latest?.step}, files ${Object.keys(verifyCheckpoint(latest?.path ?? '').files).join(', ')}`,
);

const points = Array.from({ length: 100 }, (_, i): [number, number] => [i * 10, lrAt(schedule, i * 10)]);
const svg = svgLinePlot([{ name: 'learning rate', points }], { title: 'WSD schedule', xLabel: 'step' });
writeFileSync(join(dir, 'lr.svg'), svg);
console.log(`plot: ${svg.length} bytes of SVG`);
