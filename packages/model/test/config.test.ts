import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  configToJSON,
  modelStats,
  PRESET_NAMES,
  parseConfig,
  presetConfig,
  weightSpecs,
} from '../src/index.js';

describe('YoutuConfig', () => {
  it('youtu-2b preset has exactly 1,961,560,064 parameters', () => {
    expect(modelStats(presetConfig('youtu-2b')).parameters).toBe(1_961_560_064);
  });

  it('2B latent cache is 576·32·2 B = 36 KiB per token in bf16, 7.1x smaller than MHA', () => {
    const s = modelStats(presetConfig('youtu-2b'));
    expect(s.kvCacheBytesPerToken.bf16).toBe(36 * 1024);
    expect(s.mhaCacheBytesPerToken.bf16 / s.kvCacheBytesPerToken.bf16).toBeCloseTo(7.11, 2);
  });

  it('small presets land near their nominal sizes', () => {
    const p = (n: 'nano' | 'micro' | 'small') => modelStats(presetConfig(n)).parameters;
    expect(p('nano')).toBeGreaterThan(0.7e6);
    expect(p('nano')).toBeLessThan(1.5e6);
    expect(p('micro')).toBeGreaterThan(7e6);
    expect(p('micro')).toBeLessThan(13e6);
    expect(p('small')).toBeGreaterThan(70e6);
    expect(p('small')).toBeLessThan(130e6);
    expect(PRESET_NAMES).toEqual(['youtu-2b', 'nano', 'micro', 'small']);
  });

  it('reads legacy youtu_llm configs with rope_theta + rope_scaling yarn', () => {
    const c = parseConfig({
      model_type: 'youtu_llm',
      hidden_size: 64,
      rope_theta: 1.6e6,
      rope_scaling: {
        type: 'yarn',
        factor: 4,
        original_max_position_embeddings: 4096,
        beta_fast: 32,
        beta_slow: 1,
        mscale: 1,
        mscale_all_dim: 1,
      },
    });
    expect(c.modelType).toBe('youtu_llm');
    expect(c.ropeTheta).toBe(1.6e6);
    expect(c.ropeScaling).toEqual({
      type: 'yarn',
      factor: 4,
      originalMaxPositionEmbeddings: 4096,
      betaFast: 32,
      betaSlow: 1,
      mscale: 1,
      mscaleAllDim: 1,
      attentionFactor: null,
    });
    expect(c.initializerRange).toBeCloseTo(2 / Math.sqrt(5 * 64), 12);
    expect(c.embeddingInitializerRange).toBeCloseTo(4 / Math.sqrt(5 * 64), 12);
  });

  it('reads new-style rope_parameters, default rope, q_lora_rank null and an untied head', () => {
    const c = parseConfig({
      model_type: 'youtu',
      q_lora_rank: null,
      tie_word_embeddings: false,
      rope_parameters: { rope_type: 'default', rope_theta: 5e5 },
    });
    expect(c.ropeTheta).toBe(5e5);
    expect(c.ropeScaling).toBeNull();
    expect(c.qLoraRank).toBeNull();
    const names = weightSpecs(c).map((s) => s.name);
    expect(names).toContain('model.layers.0.self_attn.q_proj.weight');
    expect(names).not.toContain('model.layers.0.self_attn.q_a_proj.weight');
    expect(names.at(-1)).toBe('lm_head.weight');
  });

  it('round-trips through configToJSON', () => {
    const c = presetConfig('nano', {
      rope_scaling: { type: 'yarn', factor: 2, original_max_position_embeddings: 512, mscale_all_dim: 0.7 },
    });
    const json = configToJSON(c);
    expect(json.architectures).toEqual(['YoutuForCausalLM']);
    expect(parseConfig(JSON.parse(JSON.stringify(json)))).toEqual(c);
  });

  it.each([
    [{ kv_lora_rank: -1 }, 'config.json: kv_lora_rank must be a positive integer, got -1'],
    [{ model_type: 'llama' }, 'config.json: model_type must be one of "youtu", "youtu_llm", got "llama"'],
    [{ qk_rope_head_dim: 7 }, 'config.json: qk_rope_head_dim must be even, got 7'],
    [{ hidden_act: 'gelu' }, 'config.json: hidden_act must be one of "silu", got "gelu"'],
    [
      { rope_scaling: { type: 'linear', factor: 2 } },
      'config.json: rope_scaling.type must be one of "default", "yarn", got "linear"',
    ],
    [
      { rope_scaling: { type: 'yarn' } },
      'config.json: rope_scaling.factor must be a positive number, got undefined',
    ],
    [{ rms_norm_eps: 0 }, 'config.json: rms_norm_eps must be a positive number, got 0'],
  ])('rejects %j with a ConfigError naming the field', (patch, message) => {
    expect(() => parseConfig({ model_type: 'youtu', ...patch })).toThrow(ConfigError);
    expect(() => parseConfig({ model_type: 'youtu', ...patch })).toThrow(message);
  });
});
