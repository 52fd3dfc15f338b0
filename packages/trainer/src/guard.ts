import { NonFiniteError } from './errors.js';

/** What to do when the loss or the gradient norm is NaN/Inf. */
export type NonFinitePolicy = 'stop' | 'skip';

/**
 * Decides per step whether the update may be applied. `skip` drops the update (weights and
 * optimizer state untouched) and stops anyway after `maxConsecutiveSkips` bad steps in a row;
 * `stop` throws at once. Either way nothing is written, so the last good checkpoint stays intact.
 */
export class NonFiniteGuard {
  private consecutive = 0;
  skipped = 0;

  constructor(
    readonly policy: NonFinitePolicy,
    readonly maxConsecutiveSkips = 5,
  ) {}

  /** Returns true when the step's update should be applied. */
  check(step: number, loss: number, gradNorm: number): boolean {
    if (Number.isFinite(loss) && Number.isFinite(gradNorm)) {
      this.consecutive = 0;
      return true;
    }
    const what = Number.isFinite(loss) ? `gradient norm is ${gradNorm}` : `loss is ${loss}`;
    this.consecutive += 1;
    if (this.policy === 'stop') {
      throw new NonFiniteError(
        `step ${step}: ${what}; stopped (policy "stop") without writing a checkpoint — the last good checkpoint is intact. ` +
          'Lower the learning rate, tighten gradient clipping or use f32, then resume.',
        step,
      );
    }
    if (this.consecutive > this.maxConsecutiveSkips) {
      throw new NonFiniteError(
        `step ${step}: ${what} for ${this.consecutive} steps in a row; stopped (policy "skip" allows ${this.maxConsecutiveSkips}). ` +
          'The last good checkpoint is intact.',
        step,
      );
    }
    this.skipped += 1;
    return false;
  }
}
