import { describe, expect, it } from 'vitest';
import {
  type ChatEvent,
  type ChatReply,
  ChatSession,
  Engine,
  ToolRegistry,
  youtuChatFormat,
} from '../src/index.js';
import { chatModel } from './helpers/chat-script.js';
import { ByteCodec } from './helpers/fakes.js';

function setup(maxSteps?: number) {
  const engine = new Engine(chatModel(), { tokenizer: new ByteCodec() });
  const tools = new ToolRegistry().register<{ a: number; b: number }>({
    name: 'add',
    description: 'Adds two numbers',
    parameters: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    },
    handler: ({ a, b }) => a + b,
  });
  const chat = new ChatSession(engine.createSession(), {
    format: youtuChatFormat(),
    tools,
    system: 'You are terse.',
    temperature: 0,
    maxNewTokens: 200,
    maxSteps,
  });
  return { engine, chat };
}

async function collect(gen: AsyncGenerator<ChatEvent, ChatReply>) {
  const events: ChatEvent[] = [];
  for (;;) {
    const n = await gen.next();
    if (n.done) return { events, reply: n.value };
    events.push(n.value);
  }
}

describe('ChatSession (tool loop)', () => {
  it('answers without tools, streaming reasoning and content separately', async () => {
    const { chat } = setup();
    const { events, reply } = await collect(chat.send('hi there'));
    const text = (kind: string) =>
      events
        .filter((e) => e.type === 'delta' && e.kind === kind)
        .map((e) => (e as { text: string }).text)
        .join('');
    expect(text('reasoning')).toBe('thinking about hi there');
    expect(text('content')).toBe('You said: hi there');
    expect(reply.message).toEqual({
      role: 'assistant',
      content: 'You said: hi there',
      reasoning: 'thinking about hi there',
    });
    expect(reply.steps).toBe(1);
    expect(reply.finishReason).toBe('stop');
    expect(chat.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });

  it('runs a tool call, feeds the result back and returns the final answer', async () => {
    const { chat } = setup();
    const { events, reply } = await collect(chat.send('please add 2 and 40'));
    const kinds = events.filter((e) => e.type !== 'delta').map((e) => e.type);
    expect(kinds).toEqual(['message', 'tool_call', 'tool_result', 'message']);
    const call = events.find((e) => e.type === 'tool_call') as Extract<ChatEvent, { type: 'tool_call' }>;
    expect(call.call).toEqual({ id: 'call_0', name: 'add', arguments: { a: 2, b: 40 } });
    expect(reply.message.content).toBe('The result is 42.');
    expect(reply.steps).toBe(2);
    expect(chat.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(chat.messages[3]).toEqual({ role: 'tool', content: '42', toolCallId: 'call_0', name: 'add' });
    // the rendered conversation round-trips the call through the parser
    const rendered = youtuChatFormat().render(chat.messages, {});
    expect(rendered).toContain('<tool_call>{"name": "add", "arguments": {"a": 2, "b": 40}}</tool_call>');
    expect(rendered).toContain('<tool_response>42</tool_response>');
    expect(reply.usage.completionTokens).toBeGreaterThan(0);
  });

  it('feeds a malformed tool call back as an error and never throws', async () => {
    const { chat } = setup();
    const { reply } = await collect(chat.send('broken'));
    expect(reply.message.content).toBe('Sorry, my call was malformed.');
    expect(chat.messages[3]?.content).toMatch(/could not read the tool call: invalid JSON/);
  });

  it('stops at the step limit', async () => {
    const { chat } = setup(3);
    const { reply } = await collect(chat.send('loop'));
    expect(reply.finishReason).toBe('max_steps');
    expect(reply.steps).toBe(3);
    expect(chat.messages.filter((m) => m.role === 'tool').length).toBe(2);
  });

  it('reset keeps the system prompt and the session reuses its cache across turns', async () => {
    const { chat } = setup();
    await collect(chat.send('one'));
    const cached = chat.session.cachedTokens;
    expect(cached).toBeGreaterThan(0);
    await collect(chat.send('two'));
    expect(chat.messages.length).toBe(5);
    chat.reset();
    expect(chat.messages).toEqual([{ role: 'system', content: 'You are terse.' }]);
  });

  it('parses tool calls the format writes (round trip) and reports bad ones', () => {
    const format = youtuChatFormat();
    const calls = [
      { id: 'call_0', name: 'search', arguments: { q: 'ünï "x"', n: 3, tags: ['a', 'b'] } },
      { id: 'call_1', name: 'noop', arguments: {} },
    ];
    const rendered = format.render([{ role: 'assistant', content: 'ok', toolCalls: calls }], {});
    const body = rendered.slice(rendered.indexOf('<|Assistant|>') + '<|Assistant|>'.length);
    const parsed = format.parse(body);
    expect(parsed.toolCalls).toEqual(calls);
    expect(parsed.content).toBe('ok');
    const bad = format.parse('<tool_call>{"arguments": {}}</tool_call><tool_call>nope</tool_call>');
    expect(bad.toolCalls).toEqual([]);
    expect(bad.invalidToolCalls.map((e) => e.error)).toEqual([
      expect.stringMatching(/name/),
      expect.stringMatching(/invalid JSON/),
    ]);
  });
});
