import { type Backend, initBackend, tensor } from '@agentlm/tensor';
import { expect } from 'vitest';
import { parseConfig, weightSpecs, type YoutuConfig, YoutuModel } from '../src/index.js';
import { randomWeights } from './reference.js';

/** The CPU backend every test file uses. */
export const cpu = await initBackend('cpu');

/** A tiny config for fast exact tests; `patch` takes HF config.json fields. */
export function tinyConfig(patch: Record<string, unknown> = {}): YoutuConfig {
  return parseConfig({
    model_type: 'youtu',
    vocab_size: 48,
    hidden_size: 32,
    intermediate_size: 40,
    num_hidden_layers: 2,
    num_attention_heads: 3,
    q_lora_rank: 20,
    kv_lora_rank: 12,
    qk_nope_head_dim: 6,
    qk_rope_head_dim: 4,
    v_head_dim: 5,
    max_position_embeddings: 64,
    rope_theta: 500,
    ...patch,
  });
}

/** A model with deterministic random weights (std 0.2, norms near 1) and the host copy the reference reads. */
export function randomModel(
  config: YoutuConfig,
  backend: Backend,
  seed = 7,
): { model: YoutuModel; weights: Map<string, Float32Array> } {
  const specs = weightSpecs(config);
  const weights = randomWeights(specs, seed, 0.2);
  const params = new Map(
    specs.map((s) => [
      s.name,
      tensor(weights.get(s.name) as Float32Array, s.shape, { backend, requiresGrad: true }),
    ]),
  );
  return { model: YoutuModel.fromParams(config, params), weights };
}

/** Asserts two equally long number lists agree within an absolute tolerance, naming the first bad index. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what: string,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(
    worst,
    `${what}: max abs error at index ${at} (${actual[at]} vs ${expected[at]})`,
  ).toBeLessThanOrEqual(tol);
}
