import type { BareToolCall, ChatMessage, ToolCall, ToolSpec } from './types.js';

/** The special tokens of the Youtu chat format, shared by our own small models. */
export const AGENT_TOKENS = {
  beginOfText: '<|begin_of_text|>',
  endOfText: '<|end_of_text|>',
  user: '<|User|>',
  assistant: '<|Assistant|>',
  thinkStart: '<think>',
  thinkEnd: '</think>',
  toolCallStart: '<tool_call>',
  toolCallEnd: '</tool_call>',
  toolResponseStart: '<tool_response>',
  toolResponseEnd: '</tool_response>',
  toolsStart: '<|begin_of_tool_description|>',
  toolsEnd: '<|end_of_tool_description|>',
  pad: '<|pad|>',
} as const;

/** The same tokens as a list, in the order the trainer should reserve them (BOS, EOS first). */
export const AGENT_SPECIAL_TOKENS: readonly string[] = Object.values(AGENT_TOKENS);

const T = AGENT_TOKENS;

/** Youtu-LLM's tool description preamble and the call format it asks for. */
const TOOLS_INTRO =
  'Tool calling capabilities.\nYou may call one or more functions to assist with the user query. You have the following functions available:';
const TOOLS_OUTRO =
  'For tool call returns, you MUST use the following format:\n<tool_call>{"name": "function-name", "arguments": {"param1": "value1", "param2": "value2"}}</tool_call>\n';

/** JSON as Python's json.dumps (and Jinja's tojson) writes it: ", " and ": " separators. */
export function pyJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pyJson(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** A piece of the rendered chat; `trainable` pieces are the assistant's own tokens (loss mask 1). */
export interface ChatSegment {
  text: string;
  trainable: boolean;
}

export interface AgentFormatOptions {
  tools?: readonly ToolSpec[];
  /** End with `<|Assistant|>` so the model writes the next turn. */
  addGenerationPrompt?: boolean;
  /** false pre-fills an empty think block after the generation prompt. Default true. */
  enableThinking?: boolean;
}

/**
 * Renders a chat in the Youtu format:
 * `<|begin_of_text|>{system}[tools block]<|User|>{user}<|Assistant|><think>…</think>{answer}<tool_call>{json}</tool_call><|end_of_text|>`,
 * tool results as `<|User|><tool_response>…</tool_response>`. Assistant turns before the last user
 * message lose their thinking.
 */
export function agentSegments(
  messages: readonly ChatMessage[],
  options: AgentFormatOptions = {},
): ChatSegment[] {
  const out: ChatSegment[] = [];
  const prompt = (text: string) => out.push({ text, trainable: false });
  const system = messages[0]?.role === 'system' ? (messages[0].content ?? '') : '';
  const tools = options.tools ?? [];
  let head = T.beginOfText + system;
  if (tools.length > 0) {
    head += `${system ? '\n\n' : ''}${T.toolsStart}${TOOLS_INTRO}`;
    for (const tool of tools) head += `\n\`\`\`json\n${pyJson(tool)}\n\`\`\``;
    head += `\n${TOOLS_OUTRO}${T.toolsEnd}`;
  }
  prompt(head);
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  messages.forEach((m, i) => {
    if (i === 0 && m.role === 'system') return;
    const content = m.content ?? '';
    if (m.role === 'user' || m.role === 'system') prompt(T.user + content);
    else if (m.role === 'tool') prompt(`${T.user}${T.toolResponseStart}${content}${T.toolResponseEnd}`);
    else {
      prompt(T.assistant);
      const reasoning = m.reasoning ?? m.reasoning_content ?? null;
      const keepThinking = i > lastUser;
      const answer = content.includes(T.thinkEnd) && !keepThinking ? stripThinking(content) : content;
      const think = keepThinking && reasoning ? `${T.thinkStart}${reasoning}${T.thinkEnd}` : '';
      const calls = (m.tool_calls ?? [])
        .map((c) => T.toolCallStart + toolCallJson(c) + T.toolCallEnd)
        .join('');
      out.push({ text: think + answer + calls + T.endOfText, trainable: true });
    }
  });
  if (options.addGenerationPrompt)
    prompt(T.assistant + (options.enableThinking === false ? T.thinkStart + T.thinkEnd : ''));
  return out;
}

function stripThinking(content: string): string {
  return (content.split(T.thinkEnd).pop() as string).trimStart();
}

/** `{"name": …, "arguments": …}`; string arguments are taken to be JSON text already. */
export function toolCallJson(call: ToolCall | BareToolCall): string {
  const fn = 'function' in call ? call.function : call;
  const args = typeof fn.arguments === 'string' ? fn.arguments : pyJson(fn.arguments ?? {});
  return `{"name": ${JSON.stringify(fn.name)}, "arguments": ${args}}`;
}

/**
 * The same format as a Jinja chat template, stored in tokenizer_config.json of trained tokenizers so
 * that transformers, vLLM and llama.cpp render our chats identically (tested against agentSegments).
 */
export const AGENT_CHAT_TEMPLATE = `{%- set ns = namespace(last_user=-1) -%}
{%- for m in messages -%}{%- if m.role == 'user' -%}{%- set ns.last_user = loop.index0 -%}{%- endif -%}{%- endfor -%}
{{- bos_token -}}
{%- if messages and messages[0].role == 'system' -%}{{- messages[0].content or '' -}}{%- set sys = messages[0].content or '' -%}{%- else -%}{%- set sys = '' -%}{%- endif -%}
{%- if tools -%}
{%- if sys -%}{{- '\\n\\n' -}}{%- endif -%}
{{- '${T.toolsStart}${TOOLS_INTRO.replace(/\n/g, '\\n')}' -}}
{%- for tool in tools -%}{{- '\\n\`\`\`json\\n' + (tool | tojson) + '\\n\`\`\`' -}}{%- endfor -%}
{{- '\\n${TOOLS_OUTRO.replace(/\n/g, '\\n')}${T.toolsEnd}' -}}
{%- endif -%}
{%- for m in messages -%}
{%- if loop.index0 == 0 and m.role == 'system' -%}
{%- elif m.role == 'user' or m.role == 'system' -%}{{- '${T.user}' + (m.content or '') -}}
{%- elif m.role == 'tool' -%}{{- '${T.user}${T.toolResponseStart}' + (m.content or '') + '${T.toolResponseEnd}' -}}
{%- else -%}
{{- '${T.assistant}' -}}
{%- set content = m.content or '' -%}
{%- set reasoning = m.reasoning or m.reasoning_content or '' -%}
{%- if loop.index0 > ns.last_user -%}
{%- if reasoning -%}{{- '${T.thinkStart}' + reasoning + '${T.thinkEnd}' -}}{%- endif -%}
{%- elif '${T.thinkEnd}' in content -%}{%- set content = content.split('${T.thinkEnd}')[-1].lstrip() -%}
{%- endif -%}
{{- content -}}
{%- for call in m.tool_calls or [] -%}
{%- set fn = call.function if call.function is defined else call -%}
{{- '${T.toolCallStart}{"name": ' + (fn.name | tojson) + ', "arguments": ' + (fn.arguments if fn.arguments is string else (fn.arguments | tojson)) + '}${T.toolCallEnd}' -}}
{%- endfor -%}
{{- '${T.endOfText}' -}}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '${T.assistant}' -}}{%- if enable_thinking is defined and enable_thinking is false -%}{{- '${T.thinkStart}${T.thinkEnd}' -}}{%- endif -%}{%- endif -%}`;
