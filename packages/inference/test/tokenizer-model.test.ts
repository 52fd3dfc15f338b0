import { presetConfig, YoutuModel } from '@agentlm/model';
import { createCpuBackend } from '@agentlm/tensor';
import { AGENT_SPECIAL_TOKENS, trainTokenizer } from '@agentlm/tokenizer';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { ChatSession, createServer, fromModel, ToolRegistry } from '../src/node.js';

const corpus = [
  'The quick brown fox jumps over the lazy dog. 12 + 30 = 42.',
  'Grüße aus Köln — naïve café, 你好世界, こんにちは, 🙂🚀 emoji!',
  'def add(a, b):\n    return a + b\n',
  '<think>plan</think>The answer is 42.',
].flatMap((t) => [t, t, t]);

async function setup() {
  const tokenizer = await trainTokenizer({
    corpus: { texts: corpus },
    vocabSize: 400,
    specialTokens: AGENT_SPECIAL_TOKENS,
  });
  const config = presetConfig('nano', {
    num_hidden_layers: 2,
    vocab_size: 512,
    max_position_embeddings: 512,
    eos_token_id: tokenizer.eosId,
    bos_token_id: tokenizer.bosId,
  });
  const youtu = YoutuModel.init(config, { seed: 11, backend: createCpuBackend(), requiresGrad: false });
  // The model's vocabulary (512) is padded past the tokenizer's: generation never samples those ids.
  return { ...fromModel(youtu, tokenizer, { name: 'nano-test' }), tokenizer };
}

describe('generation with a real tokenizer and a random nano model', () => {
  it('streamed text equals the non-streamed decode (UTF-8 safe) for sampled tokens', async () => {
    const { engine, tokenizer } = await setup();
    expect(tokenizer.vocabSize).toBeLessThan(512);
    for (const seed of [1, 2, 3]) {
      const gen = engine.generate('Grüße 你好', {
        seed,
        temperature: 1.5,
        maxNewTokens: 40,
        stopTokenIds: [],
      });
      let streamed = '';
      for await (const t of gen) streamed += t.text;
      const r = await gen.result;
      expect(streamed).toBe(r.text);
      expect(r.text).toBe(tokenizer.decode(r.ids));
      const again = await engine
        .generate('Grüße 你好', { seed, temperature: 1.5, maxNewTokens: 40, stopTokenIds: [] })
        .complete();
      expect(again.ids).toEqual(r.ids);
    }
  });

  it('stop strings cut exactly with real multi-byte tokens', async () => {
    const { engine } = await setup();
    const free = await engine.generate('The', { seed: 4, maxNewTokens: 30, stopTokenIds: [] }).complete();
    // Pick a stop string from the middle of the free text: the stopped text must be its exact prefix.
    const stop = free.text.slice(10, 13);
    const cut = free.text.indexOf(stop);
    const stopped = await engine
      .generate('The', { seed: 4, maxNewTokens: 30, stopTokenIds: [], stop: [stop] })
      .complete();
    expect(stopped.text).toBe(free.text.slice(0, cut));
    expect(stopped.finishReason).toBe('stop');
    expect(stopped.ids).toEqual(free.ids.slice(0, stopped.ids.length));
  });

  it('a tool chat and the server run end to end without crashing on random output', async () => {
    const { engine, format } = await setup();
    const tools = new ToolRegistry().register({
      name: 'noop',
      parameters: { type: 'object' },
      handler: () => 'ok',
    });
    const chat = new ChatSession(engine.createSession(), {
      format: format!,
      tools,
      maxNewTokens: 20,
      seed: 1,
      maxSteps: 2,
    });
    const events = chat.send('Hello!');
    let n = await events.next();
    while (!n.done) n = await events.next();
    expect(['stop', 'length', 'max_steps']).toContain(n.value.finishReason);
    const server = createServer(engine, { format });
    const url = await server.listen();
    try {
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const r = await client.chat.completions.create({
        model: 'nano-test',
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 8,
        seed: 3,
      });
      expect(r.usage?.completion_tokens).toBeLessThanOrEqual(8);
      expect(r.model).toBe('nano-test');
    } finally {
      await server.close();
    }
  });
});
