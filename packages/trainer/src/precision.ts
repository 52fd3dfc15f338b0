import { storageDType, weightSpecs, YoutuModel } from '@agentlm/model';
import { cast, type Tensor } from '@agentlm/tensor';

/** Storage precision of the weights in the forward pass; master weights, gradients and moments stay f32. */
export type Precision = 'f32' | 'bf16' | 'f16';

/**
 * The model the forward pass runs: with mixed precision, each weight is cast from its f32 master copy to
 * `precision` on the tape (the model package's `storageDType` rule keeps RMSNorm weights f32), so matmuls read
 * 16-bit weights with f32 accumulation and the backward of the cast delivers f32 gradients to the masters.
 * Call inside the step's `tidy`: the casts are freed with the step.
 */
export function forwardModel(master: YoutuModel, precision: Precision): YoutuModel {
  if (precision === 'f32') return master;
  const params = new Map<string, Tensor>();
  for (const spec of weightSpecs(master.config)) {
    const p = master.weight(spec.name);
    params.set(spec.name, storageDType(spec, precision) === 'f32' ? p : cast(p, precision));
  }
  return YoutuModel.fromParams(master.config, params);
}
