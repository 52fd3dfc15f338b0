import { beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_CHAT_TEMPLATE,
  AGENT_SPECIAL_TOKENS,
  type ChatMessage,
  encodeChat,
  parseAssistant,
  renderChat,
  type Tokenizer,
  trainTokenizer,
} from '../src/index.js';
import { stemCorpus } from './fixtures/stem-text.js';

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather by city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

const TRAJECTORY: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful agent.' },
  { role: 'user', content: 'Weather in Paris?' },
  {
    role: 'assistant',
    content: '',
    reasoning: 'Need the tool.',
    tool_calls: [
      { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
    ],
  },
  { role: 'tool', tool_call_id: 'c1', content: '{"temp": 21}' },
  { role: 'assistant', content: 'It is 21 °C.', reasoning: 'Tool answered.' },
  { role: 'user', content: 'And tomorrow?' },
  { role: 'assistant', content: 'Probably similar.', reasoning: 'Guess.' },
];

describe('agent chat format', () => {
  it('renders the Youtu layout', () => {
    const text = renderChat(
      [
        { role: 'system', content: 'SYS' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello', reasoning: 'think' },
      ],
      { addGenerationPrompt: false },
    );
    expect(text).toBe('<|begin_of_text|>SYS<|User|>hi<|Assistant|><think>think</think>hello<|end_of_text|>');
  });

  it('puts tools after the system text, tool results in user turns, and drops earlier thinking', () => {
    const text = renderChat(TRAJECTORY, { tools: TOOLS, addGenerationPrompt: true });
    expect(
      text.startsWith(
        '<|begin_of_text|>You are a helpful agent.\n\n<|begin_of_tool_description|>Tool calling capabilities.',
      ),
    ).toBe(true);
    expect(text).toContain('```json\n{"type": "function", "function": {"name": "get_weather", ');
    expect(text).toContain('<|end_of_tool_description|><|User|>Weather in Paris?<|Assistant|>');
    expect(text).toContain(
      '<|Assistant|><tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|end_of_text|>',
    );
    expect(text).toContain(
      '<|User|><tool_response>{"temp": 21}</tool_response><|Assistant|>It is 21 °C.<|end_of_text|>',
    );
    expect(text).not.toContain('Need the tool.');
    expect(text).toContain('<|Assistant|><think>Guess.</think>Probably similar.<|end_of_text|><|Assistant|>');
    expect(
      renderChat([{ role: 'user', content: 'q' }], { addGenerationPrompt: true, enableThinking: false }),
    ).toBe('<|begin_of_text|><|User|>q<|Assistant|><think></think>');
  });

  it('renders identically through its Jinja template (@huggingface/jinja)', () => {
    const cases: [ChatMessage[], boolean, typeof TOOLS | undefined][] = [
      [TRAJECTORY, true, TOOLS],
      [TRAJECTORY, false, undefined],
      [
        [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: '<think>old</think>\n\nanswer' },
          { role: 'user', content: 'y' },
        ],
        true,
        undefined,
      ],
      [[{ role: 'user', content: 'only' }], true, TOOLS],
    ];
    for (const [messages, addGenerationPrompt, tools] of cases) {
      const native = renderChat(messages, { addGenerationPrompt, tools });
      expect(renderChat(messages, { addGenerationPrompt, tools, template: AGENT_CHAT_TEMPLATE })).toBe(
        native,
      );
    }
  });

  it('renders other HF templates (Llama-3 style) with messages and generation prompt', () => {
    const llama =
      "{% for m in messages %}{{ '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    expect(
      renderChat([{ role: 'user', content: 'hi' }], { template: llama, addGenerationPrompt: true }),
    ).toBe(
      '<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(() => renderChat([], { template: '{% if %}' })).toThrow(
      /template is not a valid Jinja chat template/,
    );
  });
});

describe('encodeChat', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await trainTokenizer({
      corpus: { texts: stemCorpus(400) },
      vocabSize: 500,
      specialTokens: AGENT_SPECIAL_TOKENS,
    });
  });

  it('reserves the agent tokens and stores the agent template', () => {
    for (const t of AGENT_SPECIAL_TOKENS) expect(tok.encode(t)).toHaveLength(1);
    expect(tok.chatTemplate).toBe(AGENT_CHAT_TEMPLATE);
    expect(tok.bosId).toBe(tok.tokenToId('<|begin_of_text|>'));
  });

  it('gives the ids of the rendered text and masks exactly the assistant tokens', () => {
    const { ids, lossMask } = encodeChat(tok, TRAJECTORY, { tools: TOOLS });
    expect(ids).toEqual(tok.encode(renderChat(TRAJECTORY, { tools: TOOLS })));
    expect(lossMask).toHaveLength(ids.length);
    const assistantId = tok.tokenToId('<|Assistant|>') as number;
    const eos = tok.eosId as number;
    let inside = false;
    ids.forEach((id, i) => {
      expect(lossMask[i], `token ${i}`).toBe(inside ? 1 : 0);
      if (id === assistantId) inside = true;
      if (id === eos) inside = false;
    });
    const trained = ids.filter((_, i) => lossMask[i] === 1);
    expect(tok.decode(trained)).toBe(
      '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|end_of_text|>It is 21 °C.<|end_of_text|><think>Guess.</think>Probably similar.<|end_of_text|>',
    );
  });
});

describe('parseAssistant', () => {
  it('splits thinking, content and tool calls', () => {
    const parsed = parseAssistant(
      '<think> plan it </think>Let me check.<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call><|end_of_text|>',
    );
    expect(parsed).toEqual({
      reasoning: 'plan it',
      content: 'Let me check.',
      toolCalls: [
        { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      ],
      errors: [],
    });
  });

  it('handles a prompt-side <think>, unterminated calls and malformed JSON without losing text', () => {
    expect(parseAssistant('reasoning only</think>answer').reasoning).toBe('reasoning only');
    expect(parseAssistant('reasoning only</think>answer').content).toBe('answer');
    const bad = parseAssistant(
      'Trying.<tool_call>{"name": "f", "arguments": {oops}}</tool_call><tool_call>{"name": "g", "arguments": {}}',
    );
    expect(bad.content).toBe('Trying.');
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]?.raw).toBe('{"name": "f", "arguments": {oops}}');
    expect(bad.errors[0]?.message).toMatch(/invalid JSON/);
    expect(bad.toolCalls.map((c) => c.function.name)).toEqual(['g']);
    expect(parseAssistant('<tool_call>{"arguments": {}}</tool_call>').errors[0]?.message).toMatch(/name/);
    expect(parseAssistant('<think>still thinking').reasoning).toBe('still thinking');
    expect(parseAssistant('plain').toolCalls).toEqual([]);
  });
});
