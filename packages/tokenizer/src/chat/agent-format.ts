import type { LiteralSpan } from '../tokenizer.js';
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

/**
 * A piece of the rendered chat; `trainable` pieces are the assistant's own tokens (loss mask 1). `literal`
 * holds the ranges of `text` that came from message content (and tool specs), where special tokens stay
 * text when encoded (see `EncodeOptions.literalSpans`).
 */
export interface ChatSegment {
  text: string;
  trainable: boolean;
  literal: LiteralSpan[];
}

export interface AgentFormatOptions {
  tools?: readonly ToolSpec[];
  /** End with `<|Assistant|>` so the model writes the next turn. */
  addGenerationPrompt?: boolean;
  /** false pre-fills an empty think block after the generation prompt. Default true. */
  enableThinking?: boolean;
  /**
   * Treat every message's content (and the tool specs) as trusted: special tokens written in it are
   * encoded as the control tokens they spell. Default false: content is text, only the template's own
   * markup is special. One message can be trusted alone with `trusted: true`.
   */
  trustedContent?: boolean;
}

/** Builds one segment from the template's markup and message content, recording content's ranges. */
class SegmentBuilder {
  text = '';
  readonly literal: LiteralSpan[] = [];

  constructor(private readonly trusted: boolean) {}

  markup(text: string): this {
    this.text += text;
    return this;
  }

  content(text: string, trusted = this.trusted): this {
    if (!trusted && text.length > 0) {
      const last = this.literal[this.literal.length - 1];
      // adjacent content ranges merge, so the spans stay sorted and disjoint
      if (last && last[1] === this.text.length)
        this.literal[this.literal.length - 1] = [last[0], last[1] + text.length];
      else this.literal.push([this.text.length, this.text.length + text.length]);
    }
    this.text += text;
    return this;
  }

  /**
   * Assistant content, which may open with its thinking inline (`<think>…</think>answer`, as trajectories
   * store it): those two tags are the format's markup, the rest is content.
   */
  assistantContent(text: string): this {
    const open = text.length - text.trimStart().length;
    const close = text.indexOf(T.thinkEnd);
    if (!text.startsWith(T.thinkStart, open) || close < open) return this.content(text);
    return this.content(text.slice(0, open))
      .markup(T.thinkStart)
      .content(text.slice(open + T.thinkStart.length, close))
      .markup(T.thinkEnd)
      .content(text.slice(close + T.thinkEnd.length));
  }

  segment(trainable: boolean): ChatSegment {
    return { text: this.text, trainable, literal: this.literal };
  }
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
  const trustAll = options.trustedContent === true;
  const builder = (m?: ChatMessage) => new SegmentBuilder(trustAll || m?.trusted === true);
  const first = messages[0]?.role === 'system' ? messages[0] : undefined;
  const system = first?.content ?? '';
  const tools = options.tools ?? [];
  const head = builder(first).markup(T.beginOfText).content(system);
  if (tools.length > 0) {
    head.markup(`${system ? '\n\n' : ''}${T.toolsStart}${TOOLS_INTRO}`);
    for (const tool of tools) head.markup('\n```json\n').content(pyJson(tool), trustAll).markup('\n```');
    head.markup(`\n${TOOLS_OUTRO}${T.toolsEnd}`);
  }
  out.push(head.segment(false));
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  messages.forEach((m, i) => {
    if (i === 0 && m.role === 'system') return;
    const content = m.content ?? '';
    const b = builder(m);
    if (m.role === 'user' || m.role === 'system') out.push(b.markup(T.user).content(content).segment(false));
    else if (m.role === 'tool') {
      const turn = b
        .markup(T.user + T.toolResponseStart)
        .content(content)
        .markup(T.toolResponseEnd);
      out.push(turn.segment(false));
    } else {
      out.push(b.markup(T.assistant).segment(false));
      const reasoning = m.reasoning ?? m.reasoning_content ?? null;
      const keepThinking = i > lastUser;
      const answer = content.includes(T.thinkEnd) && !keepThinking ? stripThinking(content) : content;
      const turn = builder(m);
      if (keepThinking && reasoning) turn.markup(T.thinkStart).content(reasoning).markup(T.thinkEnd);
      turn.assistantContent(answer);
      for (const call of m.tool_calls ?? [])
        turn.markup(T.toolCallStart).content(toolCallJson(call)).markup(T.toolCallEnd);
      out.push(turn.markup(T.endOfText).segment(true));
    }
  });
  if (options.addGenerationPrompt) {
    const opener = T.assistant + (options.enableThinking === false ? T.thinkStart + T.thinkEnd : '');
    out.push(builder().markup(opener).segment(false));
  }
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
