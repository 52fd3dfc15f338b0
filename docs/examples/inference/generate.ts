// Stream a completion from a (random, tiny) Youtu model with a freshly trained tokenizer,
// then show what the MLA latent cache costs per token.
import { fromModel, latentBytesPerToken, mhaBytesPerToken } from '@agentlm/inference';
import { presetConfig, YoutuModel } from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';

const tokenizer = await trainTokenizer({
  corpus: { texts: Array(4).fill('The answer is 42. Grüße, 你好 🙂 def f(x): return x * 2\n') },
  vocabSize: 320,
  specialTokens: AGENT_SPECIAL_TOKENS,
});
const config = presetConfig('nano', { vocab_size: tokenizer.vocabSize, eos_token_id: tokenizer.eosId });
const youtu = YoutuModel.init(config, { seed: 1, backend: await initBackend('cpu'), requiresGrad: false });
const { engine } = fromModel(youtu, tokenizer, { dtype: 'bf16' }); // bf16 latent cache

const generation = engine.generate('The answer is', {
  maxNewTokens: 16,
  temperature: 0.8,
  topK: 20,
  seed: 7,
});
process.stdout.write('streamed (random weights, so gibberish): ');
for await (const { text } of generation) process.stdout.write(text); // UTF-8 safe pieces
const result = await generation.result;
console.log(`\nids: ${result.ids.join(',')} (${result.finishReason}, seed ${result.seed})`);

const big = presetConfig('youtu-2b');
console.log(`nano latent cache: ${latentBytesPerToken(config, 'bf16')} bytes/token`);
console.log(
  `youtu-2b: ${latentBytesPerToken(big, 'bf16') / 1024} KiB/token latent vs ${mhaBytesPerToken(big, 'bf16') / 1024} KiB/token MHA`,
);
