import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, Engine, type InferenceServer } from '../src/node.js';
import { ByteCodec, FakeModel, respondAfter } from './helpers/fakes.js';

const codec = new ByteCodec();
let server: InferenceServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

/** A server whose fake model answers "<client N>" with "hello client N: ..." then eos ("<long>": 1000 x). */
async function start(
  opts: { maxBatch?: number; maxWaiting?: number; maxBodyBytes?: number; maxTokens?: number } = {},
) {
  const model = new FakeModel({
    name: 'fake-echo',
    script: respondAfter('>', (prompt) => {
      const who = prompt.slice(prompt.lastIndexOf('<') + 1, -1);
      return who === 'long' ? 'x'.repeat(1000) : `hello ${who}: ünïcødé ✓`;
    }),
  });
  const engine = new Engine(model, {
    tokenizer: codec,
    maxBatch: opts.maxBatch,
    maxWaiting: opts.maxWaiting,
  });
  server = createServer(engine, { maxBodyBytes: opts.maxBodyBytes, maxTokens: opts.maxTokens });
  const url = await server.listen(0, '127.0.0.1');
  return { url, model, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

async function post(url: string, path: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as { error?: { message: string; param: string | null; type: string } },
  };
}

describe('OpenAI-compatible server (completions)', () => {
  it('lists the model', async () => {
    const { client } = await start();
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['fake-echo']);
  });

  it('answers a completion with text, finish reason and usage', async () => {
    const { client } = await start();
    const r = await client.completions.create({
      model: 'fake-echo',
      prompt: '<client 1>',
      max_tokens: 100,
      seed: 3,
    });
    expect(r.choices[0]?.text).toBe('hello client 1: ünïcødé ✓');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    const answerTokens = codec.encode('hello client 1: ünïcødé ✓').length + 1; // bytes + eos
    expect(r.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: answerTokens,
      total_tokens: 10 + answerTokens,
    });
    const cut = await client.completions.create({
      model: 'fake-echo',
      prompt: '<client 1>',
      max_tokens: 100,
      stop: [' 1:'],
    });
    expect(cut.choices[0]?.text).toBe('hello client');
    const short = await client.completions.create({
      model: 'fake-echo',
      prompt: [60, 97, 62],
      max_tokens: 3,
    });
    expect(short.choices[0]).toMatchObject({ text: 'hel', finish_reason: 'length' });
  });

  it('serves 50 concurrent streaming clients with no lost or mixed tokens', async () => {
    const { client } = await start();
    const runs = Array.from({ length: 50 }, async (_, i) => {
      const stream = await client.completions.create({
        model: 'fake-echo',
        prompt: `<client ${i}>`,
        max_tokens: 200,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let finish: string | null = null;
      let usage: unknown = null;
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        for (const c of chunk.choices) {
          text += c.text;
          finish = c.finish_reason ?? finish;
        }
      }
      return { i, text, finish, usage };
    });
    const results = await Promise.all(runs);
    for (const r of results) {
      const expected = `hello client ${r.i}: ünïcødé ✓`;
      expect(r.text).toBe(expected);
      expect(r.finish).toBe('stop');
      expect(r.usage).toMatchObject({ completion_tokens: new TextEncoder().encode(expected).length + 1 });
    }
  });

  it('answers 429 when the queue is full and recovers afterwards', async () => {
    const { url, client } = await start({ maxBatch: 2, maxWaiting: 0 });
    const streams = await Promise.all(
      [0, 1].map((i) =>
        client.completions.create({ model: 'm', prompt: `<c${i}>`, max_tokens: 50, stream: true }),
      ),
    );
    const refused = await post(url, '/v1/completions', { prompt: '<x>', max_tokens: 5 });
    expect(refused.status).toBe(429);
    expect(refused.json.error?.message).toMatch(/queue is full/);
    for (const s of streams) for await (const _ of s) void _;
    const ok = await post(url, '/v1/completions', { prompt: '<x>', max_tokens: 5 });
    expect(ok.status).toBe(200);
  });

  it('rejects malformed requests with clear 400/404/413 JSON errors and keeps serving', async () => {
    const { url, client } = await start({ maxBodyBytes: 2000, maxTokens: 64 });
    const cases: [string | object, RegExp, string | null][] = [
      ['{not json', /not valid JSON/, null],
      ['[1,2]', /must be a JSON object/, null],
      [{ prompt: 5 }, /prompt: must be a string/, 'prompt'],
      [{ prompt: 'hi', max_tokens: 65 }, /max_tokens: must be a number in \[1, 64\]/, 'max_tokens'],
      [{ prompt: 'hi', temperature: 'hot' }, /temperature/, 'temperature'],
      [{ prompt: 'hi', top_p: 0 }, /top_p/, 'top_p'],
      [{ prompt: 'hi', stop: [1] }, /stop/, 'stop'],
      [{ prompt: 'hi', logit_bias: { 99999: 1 } }, /logit_bias/, 'logit_bias'],
      [{ prompt: 'hi', n: 2 }, /n: must be/, 'n'],
      [{ prompt: [1, 99999] }, /99999 is outside the vocabulary/, null],
      [{ prompt: '' }, /prompt is empty/, null],
    ];
    for (const [body, message, param] of cases) {
      const r = await post(url, '/v1/completions', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error?.message).toMatch(message);
      expect(r.json.error?.type).toBe('invalid_request_error');
      if (param !== null) expect(r.json.error?.param).toBe(param);
    }
    const big = await post(url, '/v1/completions', { prompt: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    expect((await fetch(`${url}/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/v1/completions`)).status).toBe(405);
    // the SDK surfaces the same errors
    await expect(
      client.completions.create({ model: 'm', prompt: 'hi', max_tokens: 1000 }),
    ).rejects.toMatchObject({ status: 400 });
    const after = await client.completions.create({ model: 'm', prompt: '<ok>', max_tokens: 60 });
    expect(after.choices[0]?.text).toBe('hello ok: ünïcødé ✓');
  });

  it('a client that disconnects mid-stream frees its slot and the server keeps serving', async () => {
    const { url, client, model } = await start({ maxBatch: 1, maxWaiting: 0 });
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ prompt: '<long>', max_tokens: 1000, stream: true }),
      signal: controller.signal,
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the stream has started
    controller.abort();
    // With one slot and no queue the next request only succeeds once the abandoned one has released its slot.
    let answer: string | undefined;
    for (let attempt = 0; attempt < 100 && answer === undefined; attempt++) {
      try {
        const r = await client.completions.create({ model: 'm', prompt: '<next>', max_tokens: 60 });
        answer = r.choices[0]?.text;
      } catch (err) {
        expect((err as { status?: number }).status).toBe(429);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    expect(answer).toBe('hello next: ünïcødé ✓');
    // The abandoned generation stopped long before its 1000 tokens (1 prefill + decode steps + the next request).
    expect(model.calls.length).toBeLessThan(500);
  });

  it('shuts down gracefully: in-flight streams finish, new requests are refused', async () => {
    const { url, client } = await start();
    const stream = await client.completions.create({
      model: 'm',
      prompt: '<late>',
      max_tokens: 100,
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    const closing = (server as InferenceServer).close();
    server = null;
    let text = first.done ? '' : (first.value.choices[0]?.text ?? '');
    for (let s = await iterator.next(); !s.done; s = await iterator.next())
      text += s.value.choices[0]?.text ?? '';
    await closing;
    expect(text).toBe('hello late: ünïcødé ✓');
    await expect(fetch(`${url}/v1/models`)).rejects.toThrow();
  });
});
