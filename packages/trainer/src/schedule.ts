import { TrainConfigError } from './errors.js';

/**
 * One warmup-stable-decay phase, usually one curriculum stage: `steps` long, warming up over the
 * first `warmupSteps` (from 0), holding `peakLr`, and decaying to `peakLr * minLrRatio` over the last
 * `decaySteps`. A stage that continues a previous one sets `warmupSteps: 0`.
 */
export interface WsdPhase {
  steps: number;
  peakLr: number;
  warmupSteps: number;
  decaySteps: number;
  minLrRatio?: number;
  /** Shape of the decay: linear (default), cosine, or 1 - sqrt (MiniCPM-style). */
  decayShape?: 'linear' | 'cosine' | 'sqrt';
}

export type LrSchedule =
  | { kind: 'constant'; lr: number }
  | { kind: 'cosine'; peakLr: number; warmupSteps: number; totalSteps: number; minLrRatio?: number }
  | { kind: 'wsd'; phases: WsdPhase[] };

function checkSteps(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new TrainConfigError(`lr schedule: ${field} must be a non-negative integer, got ${value}`);
  }
}

/** Validates a schedule, throwing a TrainConfigError naming the field at fault. */
export function validateSchedule(s: LrSchedule): void {
  if (s.kind === 'cosine') {
    checkSteps('warmupSteps', s.warmupSteps);
    checkSteps('totalSteps', s.totalSteps);
    if (s.warmupSteps > s.totalSteps) {
      throw new TrainConfigError(
        `lr schedule: warmupSteps (${s.warmupSteps}) exceeds totalSteps (${s.totalSteps})`,
      );
    }
  } else if (s.kind === 'wsd') {
    if (s.phases.length === 0) throw new TrainConfigError('lr schedule: wsd needs at least one phase');
    s.phases.forEach((p, i) => {
      checkSteps(`phases[${i}].steps`, p.steps);
      checkSteps(`phases[${i}].warmupSteps`, p.warmupSteps);
      checkSteps(`phases[${i}].decaySteps`, p.decaySteps);
      if (p.warmupSteps + p.decaySteps > p.steps) {
        throw new TrainConfigError(
          `lr schedule: phases[${i}] warmupSteps + decaySteps (${p.warmupSteps + p.decaySteps}) exceed steps (${p.steps})`,
        );
      }
    });
  }
}

function decay(shape: WsdPhase['decayShape'], progress: number): number {
  // progress in [0, 1]: fraction of the decay window done; returns the remaining fraction of (peak - min).
  if (shape === 'cosine') return 0.5 * (1 + Math.cos(Math.PI * progress));
  if (shape === 'sqrt') return 1 - Math.sqrt(progress);
  return 1 - progress;
}

/** Learning rate of optimizer step `step` (0-based). Past the end the final value holds. */
export function lrAt(s: LrSchedule, step: number): number {
  if (s.kind === 'constant') return s.lr;
  if (s.kind === 'cosine') {
    const min = s.peakLr * (s.minLrRatio ?? 0.1);
    if (step < s.warmupSteps) return (s.peakLr * (step + 1)) / s.warmupSteps;
    const span = Math.max(1, s.totalSteps - s.warmupSteps);
    const t = Math.min(1, (step - s.warmupSteps) / span);
    return min + (s.peakLr - min) * 0.5 * (1 + Math.cos(Math.PI * t));
  }
  let start = 0;
  for (const p of s.phases) {
    if (step < start + p.steps) return wsdLr(p, step - start);
    start += p.steps;
  }
  const last = s.phases[s.phases.length - 1] as WsdPhase;
  return wsdLr(last, last.steps);
}

function wsdLr(p: WsdPhase, local: number): number {
  const min = p.peakLr * (p.minLrRatio ?? 0.1);
  if (local < p.warmupSteps) return (p.peakLr * (local + 1)) / p.warmupSteps;
  const decayStart = p.steps - p.decaySteps;
  if (local < decayStart || p.decaySteps === 0) return p.peakLr;
  const progress = Math.min(1, (local - decayStart + 1) / p.decaySteps);
  return min + (p.peakLr - min) * decay(p.decayShape, progress);
}

/** Total optimizer steps a schedule spans (cosine: totalSteps; wsd: the sum of its phases). */
export function scheduleSteps(s: LrSchedule): number {
  if (s.kind === 'constant') return Number.POSITIVE_INFINITY;
  if (s.kind === 'cosine') return s.totalSteps;
  return s.phases.reduce((n, p) => n + p.steps, 0);
}

/** The mixer's per-stage learning-rate hint and the stage's length in optimizer steps. */
export interface StageHint {
  steps: number;
  lr: 'warmup' | 'stable' | 'decay';
}

/**
 * A warmup-stable-decay schedule from the curriculum's stage hints: a `warmup` stage warms up over
 * its first `warmupSteps` then holds, a `stable` stage holds, and a run of consecutive `decay`
 * stages forms one decay window (so 8k → 32k → 128k decay stages decay once, not three times).
 */
export function wsdFromStageHints(
  stages: StageHint[],
  opts: { peakLr: number; warmupSteps: number; minLrRatio?: number; decayShape?: WsdPhase['decayShape'] },
): LrSchedule {
  const phases: WsdPhase[] = [];
  let previous: StageHint['lr'] | null = null;
  for (const st of stages) {
    const base = { peakLr: opts.peakLr, minLrRatio: opts.minLrRatio, decayShape: opts.decayShape };
    const last = phases[phases.length - 1];
    if (st.lr === 'decay' && previous === 'decay' && last) {
      last.steps += st.steps;
      last.decaySteps += st.steps;
    } else if (st.lr === 'decay') {
      phases.push({ ...base, steps: st.steps, warmupSteps: 0, decaySteps: st.steps });
    } else {
      const warmupSteps = st.lr === 'warmup' ? Math.min(opts.warmupSteps, st.steps) : 0;
      phases.push({ ...base, steps: st.steps, warmupSteps, decaySteps: 0 });
    }
    previous = st.lr;
  }
  const schedule: LrSchedule = { kind: 'wsd', phases };
  validateSchedule(schedule);
  return schedule;
}
