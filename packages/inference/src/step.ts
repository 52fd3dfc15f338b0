import type { DecodeRequest, LanguageModel, ModelSequence, StepOutput, StepWant } from './language-model.js';
import type { Sampler } from './sampler.js';

/**
 * What a step must give the sampler: plain greedy decoding takes the argmax where the logits are, top-k sampling
 * (k <= 256, no bias or penalties) only the k best (device-side picks on WebGPU); anything else the whole row.
 */
export function stepWant(sampler: Sampler): StepWant {
  if (!sampler.needsFullLogits) return 'greedy';
  const k = sampler.deviceTopK;
  return k > 0 ? { topK: k } : 'logits';
}

/** Appends `ids` to one sequence and returns what `want` asks for, through the sequence's fast paths if any. */
export function stepSequence(
  sequence: ModelSequence,
  ids: readonly number[],
  want: StepWant,
): Promise<StepOutput> {
  if (want === 'greedy' && sequence.appendGreedy) return sequence.appendGreedy(ids);
  if (typeof want === 'object' && sequence.appendTopK) return sequence.appendTopK(ids, want.topK);
  return sequence.append(ids);
}

/** One decode step of every request: the model's batched step, or one sequence after another without one. */
export async function decodeAll(
  model: LanguageModel,
  requests: readonly DecodeRequest[],
): Promise<StepOutput[]> {
  if (model.decodeBatch) return model.decodeBatch(requests);
  const outputs: StepOutput[] = [];
  for (const r of requests) outputs.push(await stepSequence(r.sequence, [r.id], r.want));
  return outputs;
}
