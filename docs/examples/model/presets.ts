// The built-in model shapes and what they cost: parameters, FLOPs per token, weight and KV-cache bytes.
import { modelStats, parseConfig, presetConfig, presetTable } from '@agentlm/model';

console.log(presetTable());

// The real Youtu-LLM-2B shape: 1,961,560,064 parameters, 36 KiB of MLA latent cache per token in bf16.
const twoB = modelStats(presetConfig('youtu-2b'));
console.log(`youtu-2b: ${twoB.parameters.toLocaleString('en-US')} parameters`);
console.log(
  `latent cache at 128k tokens: ${((twoB.kvCacheBytesPerToken.bf16 * 131072) / 2 ** 30).toFixed(1)} GiB (bf16)`,
);

// Presets take HF config.json overrides, e.g. the vocabulary of a tokenizer you trained.
const micro = presetConfig('micro', { vocab_size: 4096 });
console.log(`micro with a 4k vocabulary: ${modelStats(micro).parameters.toLocaleString('en-US')} parameters`);

// Any config.json (model_type youtu or youtu_llm) parses and validates the same way.
const legacy = parseConfig({ model_type: 'youtu_llm', hidden_size: 256, q_lora_rank: null });
console.log(
  `legacy config: d=${legacy.hiddenSize}, q_lora_rank=${legacy.qLoraRank}, initializer_range=${legacy.initializerRange.toFixed(4)}`,
);
