// Serve a tiny random model over the OpenAI API on loopback, call it with fetch, shut down gracefully.
import { createServer, fromModel } from '@agentlm/inference/node';
import { presetConfig, YoutuModel } from '@agentlm/model';
import { initBackend } from '@agentlm/tensor';

const config = presetConfig('nano', { num_hidden_layers: 2 });
const youtu = YoutuModel.init(config, { seed: 1, backend: await initBackend('cpu'), requiresGrad: false });
// No tokenizer here: /v1/completions takes token ids; chat needs a tokenizer and its template.
// Continuous batching: up to 8 requests decode together, 32 more may queue (429 beyond).
const { engine } = fromModel(youtu, null, { name: 'nano-random', maxBatch: 8, maxWaiting: 32 });
const server = createServer(engine, { maxTokens: 64 });
const url = await server.listen(0, '127.0.0.1');
console.log(`listening on ${url}`);

const models = await (await fetch(`${url}/v1/models`)).json();
console.log(
  'models:',
  models.data.map((m: { id: string }) => m.id),
);

const completion = await fetch(`${url}/v1/completions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'nano-random', prompt: [1, 2, 3], max_tokens: 5, seed: 3 }),
});
console.log('completion usage:', (await completion.json()).usage);

const invalid = await fetch(`${url}/v1/completions`, {
  method: 'POST',
  body: JSON.stringify({ prompt: [1], max_tokens: 1000 }),
});
console.log(`invalid request -> ${invalid.status}:`, (await invalid.json()).error.message);

console.log('health:', await (await fetch(`${url}/health`)).json());
const metrics = await (await fetch(`${url}/metrics`)).text(); // Prometheus text
console.log(metrics.split('\n').filter((line) => line.startsWith('agentlm_generation_tokens_total')));

await server.close(); // in-flight requests finish first
console.log('closed');
