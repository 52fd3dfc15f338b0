import type { YoutuModel } from '@agentlm/model';
import { mul, tensor, tidy } from '@agentlm/tensor';
import { forwardModel, type Precision } from './precision.js';

/** One shifted micro-batch as the forward needs it (see `shiftBatch`), plus its weight in the step's mean. */
export interface MicroBatchJob {
  ids: Int32Array;
  targets: Int32Array;
  /** Per-target loss weights (the loss mask as 0/1). */
  mask: Float32Array;
  rows: number;
  t: number;
  /** This micro-batch's share of the step's counted targets. */
  weight: number;
}

/**
 * Forward and backward of one micro-batch: `weight × loss` is backpropagated, so the parameters' `.grad`
 * receive this micro-batch's share of the step gradient. Returns the unweighted loss.
 */
export async function microBatchGradient(
  model: YoutuModel,
  job: MicroBatchJob,
  precision: Precision,
): Promise<number> {
  const value = tidy(() => {
    const backend = model.backend;
    const ids = tensor(job.ids, [job.rows, job.t], { backend });
    const targets = tensor(job.targets, [job.rows, job.t], { backend });
    const lossMask = tensor(job.mask, [job.rows, job.t], { backend });
    const l = forwardModel(model, precision).forward(ids, { targets, lossMask }).loss;
    mul(l, job.weight).backward();
    return l;
  });
  const loss = await value.item();
  value.dispose();
  return loss;
}
