// Train a tiny MLA model on a learnable toy language (rows that count up by a stride), with gradient
// accumulation, a cosine schedule and checkpoints; then resume the run for more steps from its checkpoint.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, YoutuModel } from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';
import { arrayBatchSource, trainLoop } from '@agentlm/trainer';

const backend = await initBackend('cpu');
const config = parseConfig({
  model_type: 'youtu',
  vocab_size: 16,
  hidden_size: 32,
  intermediate_size: 48,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  q_lora_rank: 16,
  kv_lora_rank: 16,
  qk_nope_head_dim: 8,
  qk_rope_head_dim: 4,
  v_head_dim: 8,
  max_position_embeddings: 64,
});
const rows = Array.from({ length: 32 }, (_, r) => ({
  tokens: Array.from({ length: 12 }, (_, i) => (r + i * (1 + (r % 3))) % 16),
}));
const runDir = mkdtempSync(join(tmpdir(), 'agentlm-example-train-'));
const common = {
  source: (start?: { nextSequence: number; epoch: number }) => arrayBatchSource(rows, 4, start),
  microBatches: 2, // 2 micro-batches of 4 rows = one step of 8 × 12 tokens
  schedule: { kind: 'cosine', peakLr: 1e-2, warmupSteps: 3, totalSteps: 30 } as const,
  lossMask: 'all' as const,
  runDir,
  checkpointEvery: 10,
};

const first = await trainLoop({ ...common, model: YoutuModel.init(config, { seed: 1, backend }), steps: 20 });
console.log(
  `steps 1-20: loss ${first.losses[0]?.toFixed(3)} → ${first.losses.at(-1)?.toFixed(3)}, ${first.tokens} tokens`,
);
console.log(`checkpoint: ${first.checkpoint?.replace(runDir, '<run>')}`);

// A new process would do exactly this: the weights, AdamW moments, data position and step come from the checkpoint.
const resumed = await trainLoop({
  ...common,
  model: YoutuModel.init(config, { seed: 1, backend }),
  steps: 30,
  resume: true,
});
console.log(
  `steps 21-30 after resume: loss → ${resumed.losses.at(-1)?.toFixed(3)} (${resumed.losses.length} steps run)`,
);
