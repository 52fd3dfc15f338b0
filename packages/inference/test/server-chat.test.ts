import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, Engine, type InferenceServer, youtuChatFormat } from '../src/node.js';
import { chatModel } from './helpers/chat-script.js';
import { ByteCodec, FakeModel, respondAfter } from './helpers/fakes.js';

let server: InferenceServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(withFormat = true) {
  const engine = new Engine(withFormat ? chatModel() : new FakeModel(), { tokenizer: new ByteCodec() });
  server = createServer(engine, { format: withFormat ? youtuChatFormat() : null });
  const url = await server.listen();
  return { url, client: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 }) };
}

const addTool = {
  type: 'function' as const,
  function: {
    name: 'add',
    description: 'Adds two numbers',
    parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } },
  },
};

describe('OpenAI-compatible server (chat)', () => {
  it('answers a chat completion with content, reasoning and usage', async () => {
    const { client } = await start();
    const r = await client.chat.completions.create({
      model: 'fake-chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hello' },
      ],
      seed: 1,
    });
    const message = r.choices[0]?.message as unknown as Record<string, unknown>;
    expect(message.content).toBe('You said: hello');
    expect(message.reasoning_content).toBe('thinking about hello');
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage?.total_tokens).toBe((r.usage?.prompt_tokens ?? 0) + (r.usage?.completion_tokens ?? 0));
  });

  it('returns tool calls and accepts their results in the next request', async () => {
    const { client } = await start();
    const first = await client.chat.completions.create({
      model: 'fake-chat',
      messages: [{ role: 'user', content: 'add 2 and 3' }],
      tools: [addTool],
    });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function).toEqual({ name: 'add', arguments: '{"a":2,"b":3}' });
    expect(call.type).toBe('function');
    const second = await client.chat.completions.create({
      model: 'fake-chat',
      messages: [
        { role: 'user', content: 'add 2 and 3' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '5' },
      ],
      tools: [addTool],
    });
    expect(second.choices[0]?.message.content).toBe('The result is 5.');
  });

  it('streams content deltas and tool calls equal to the non-streamed answer', async () => {
    const { client } = await start();
    const stream = await client.chat.completions.create({
      model: 'fake-chat',
      messages: [{ role: 'user', content: 'add 7 and 8' }],
      tools: [addTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    let reasoning = '';
    let content = '';
    const calls: unknown[] = [];
    let finish: string | null = null;
    let usage = false;
    for await (const chunk of stream) {
      if (chunk.usage) usage = true;
      const c = chunk.choices[0];
      if (!c) continue;
      const delta = c.delta as { content?: string; reasoning_content?: string; tool_calls?: unknown[] };
      content += delta.content ?? '';
      reasoning += delta.reasoning_content ?? '';
      calls.push(...(delta.tool_calls ?? []));
      finish = c.finish_reason ?? finish;
    }
    expect(reasoning).toBe('I should add.');
    expect(content).toBe('');
    expect(calls).toEqual([
      { index: 0, id: 'call_0', type: 'function', function: { name: 'add', arguments: '{"a":7,"b":8}' } },
    ]);
    expect(finish).toBe('tool_calls');
    expect(usage).toBe(true);
    const plain = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'yo' }],
    });
    const streamed = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'yo' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of streamed) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(plain.choices[0]?.message.content);
  });

  it('a malformed tool call from the model comes back as content, not a crash', async () => {
    const { client } = await start();
    const r = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'broken' }],
      tools: [addTool],
    });
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('rejects malformed chat requests with 400s naming the field', async () => {
    const { url } = await start();
    const cases: [object, RegExp][] = [
      [{}, /messages: must be an array/],
      [{ messages: [] }, /messages: must hold at least one message/],
      [{ messages: [{ role: 'wizard', content: 'x' }] }, /messages\[0\].role: must be one of/],
      [{ messages: [{ role: 'user', content: 5 }] }, /messages\[0\].content/],
      [{ messages: [{ role: 'tool', content: '5' }] }, /messages\[0\].tool_call_id/],
      [
        {
          messages: [
            { role: 'assistant', content: null, tool_calls: [{ function: { name: 'a', arguments: '{x' } }] },
          ],
        },
        /arguments: must be a JSON string/,
      ],
      [
        {
          messages: [{ role: 'user', content: 'x' }],
          tools: [{ type: 'function', function: { name: 'bad name!' } }],
        },
        /tools\[0\].function.name/,
      ],
      [
        {
          messages: [{ role: 'user', content: 'x' }],
          tools: [{ type: 'function', function: { name: 'odd', parameters: { type: 'nonsense' } } }],
        },
        /tools\[0\].function.parameters: tool "odd": not a valid JSON Schema/,
      ],
      [{ messages: [{ role: 'user', content: 'x' }], tool_choice: 'sometimes' }, /tool_choice/],
      [
        {
          messages: [{ role: 'user', content: 'x' }],
          tools: [addTool],
          tool_choice: { type: 'function', function: { name: 'mul' } },
        },
        /"mul", which is not in tools/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
  });

  it('without a chat format, chat answers 400 and completions still work', async () => {
    const { url, client } = await start(false);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /no tokenizer or chat template/,
    );
    const r = await client.completions.create({ model: 'm', prompt: [1, 2, 3], max_tokens: 4, seed: 9 });
    expect(r.usage?.completion_tokens).toBe(4);
  });
});

describe('tool_choice forcing', () => {
  /** A model that, once the prompt ends in `marker`, writes `rest` and stops. */
  async function forced(marker: string, rest: string) {
    const engine = new Engine(new FakeModel({ script: respondAfter(marker, () => rest) }), {
      tokenizer: new ByteCodec(),
    });
    server = createServer(engine, { format: youtuChatFormat() });
    const url = await server.listen();
    return new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
  }

  it('a named function pre-fills the call so the model only writes the arguments', async () => {
    const client = await forced('"arguments": ', '{"a": 4, "b": 5}}</tool_call>');
    const r = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'anything' }],
      tools: [addTool],
      tool_choice: { type: 'function', function: { name: 'add' } },
    });
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function).toEqual({ name: 'add', arguments: '{"a":4,"b":5}' });
  });

  it('"required" opens a tool call; streaming shows no markup', async () => {
    const client = await forced('<tool_call>', '{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>');
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'anything' }],
      tools: [addTool],
      tool_choice: 'required',
      stream: true,
    });
    let content = '';
    const calls: unknown[] = [];
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
    }
    expect(content).toBe('');
    expect(calls).toMatchObject([{ function: { name: 'add', arguments: '{"a":1,"b":2}' } }]);
  });
});

describe('server default tools', () => {
  it('offers its tools to a request without a tools field, and none to "tools": []', async () => {
    // the model says whether the rendered prompt listed the add tool
    const script = respondAfter('<|Assistant|>', (prompt) =>
      prompt.includes('Adds two numbers') ? 'offered' : 'not offered',
    );
    const engine = new Engine(new FakeModel({ script }), { tokenizer: new ByteCodec() });
    const { name, description, parameters } = addTool.function;
    server = createServer(engine, { format: youtuChatFormat(), tools: [{ name, description, parameters }] });
    const client = new OpenAI({ baseURL: `${await server.listen()}/v1`, apiKey: 'unused', maxRetries: 0 });
    const ask = async (extra: Record<string, unknown>) =>
      (
        await client.chat.completions.create({
          model: 'm',
          messages: [{ role: 'user', content: 'hi' }],
          ...extra,
        })
      ).choices[0]?.message.content;
    expect(await ask({})).toBe('offered');
    expect(await ask({ tools: [] })).toBe('not offered');
    expect(await ask({ tool_choice: 'none' })).toBe('not offered');
    const other = { ...addTool, function: { ...addTool.function, name: 'sum', description: 'Sums.' } };
    expect(await ask({ tools: [other] })).toBe('not offered');
  });
});
