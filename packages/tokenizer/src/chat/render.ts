import { Template } from '@huggingface/jinja';
import { TokenizerOptionError } from '../errors.js';
import type { LiteralSpan, Tokenizer } from '../tokenizer.js';
import {
  AGENT_CHAT_TEMPLATE,
  AGENT_SPECIAL_TOKENS,
  AGENT_TOKENS,
  type AgentFormatOptions,
  agentSegments,
} from './agent-format.js';
import type { ChatMessage, ToolSpec } from './types.js';

export interface RenderChatOptions extends AgentFormatOptions {
  /** A Hugging Face Jinja chat template (e.g. `tokenizer.chatTemplate`); omitted: the built-in agent format. */
  template?: string | null;
  /** Values the template sees as `bos_token` / `eos_token` (default: the agent format's). */
  bosToken?: string;
  eosToken?: string;
  /** Extra variables for the template. */
  variables?: Record<string, unknown>;
}

const compiled = new Map<string, Template>();

/** Renders a chat to text with a Jinja template, or with the built-in agent format when none is given. */
export function renderChat(messages: readonly ChatMessage[], options: RenderChatOptions = {}): string {
  return renderChatSpans(messages, { ...options, trustedContent: true }).text;
}

/** A rendered chat and the ranges of its text that came from message content (`EncodeOptions.literalSpans`). */
export interface RenderedChat {
  text: string;
  literalSpans: LiteralSpan[];
}

export interface RenderChatSpansOptions extends RenderChatOptions {
  /**
   * With a Jinja template other than the agent format's: the special tokens to keep as text where message
   * content writes them (`tokenizer.addedTokens`' contents). Default: the agent format's, BOS and EOS.
   */
  specialTokens?: readonly string[];
}

/**
 * Renders a chat like `renderChat` and says where message content sits, so that
 * `tokenizer.encode(text, { literalSpans })` keeps special tokens written in content as text. The agent
 * format knows its content ranges; a Jinja template is rendered with each special token in untrusted
 * content replaced by a placeholder, whose ranges are the literal spans once the token is put back (so
 * the text is what `renderChat` gives unless the template inspects those tokens inside content).
 */
export function renderChatSpans(
  messages: readonly ChatMessage[],
  options: RenderChatSpansOptions = {},
): RenderedChat {
  if (isAgentFormat(options)) {
    let text = '';
    const literalSpans: LiteralSpan[] = [];
    for (const segment of agentSegments(messages, options)) {
      for (const [a, b] of segment.literal) literalSpans.push([text.length + a, text.length + b]);
      text += segment.text;
    }
    return { text, literalSpans };
  }
  const template = compile(options.template as string);
  const render = (chat: readonly ChatMessage[], tools: readonly ToolSpec[] | undefined) =>
    renderTemplate(template, chat, { ...options, tools });
  if (options.trustedContent === true) return { text: render(messages, options.tools), literalSpans: [] };
  const specials = options.specialTokens ?? [
    ...AGENT_SPECIAL_TOKENS,
    options.bosToken ?? AGENT_TOKENS.beginOfText,
    options.eosToken ?? AGENT_TOKENS.endOfText,
  ];
  const holder = new Placeholders(JSON.stringify([messages, options.tools ?? null]), specials);
  const protectedChat = messages.map((m) => (m.trusted === true ? m : holder.message(m)));
  return holder.restore(
    render(
      protectedChat,
      options.tools?.map((t) => holder.deep(t) as ToolSpec),
    ),
  );
}

/** The agent format through agentSegments: no template, or the agent template with its own tokens. */
function isAgentFormat(options: RenderChatOptions): boolean {
  if (!options.template) return true;
  return (
    options.template === AGENT_CHAT_TEMPLATE &&
    (options.bosToken ?? AGENT_TOKENS.beginOfText) === AGENT_TOKENS.beginOfText &&
    (options.eosToken ?? AGENT_TOKENS.endOfText) === AGENT_TOKENS.endOfText &&
    options.variables === undefined
  );
}

function compile(source: string): Template {
  let template = compiled.get(source);
  if (template === undefined) {
    try {
      template = new Template(source);
    } catch (err) {
      throw new TokenizerOptionError(
        'template',
        `is not a valid Jinja chat template: ${(err as Error).message}`,
      );
    }
    compiled.set(source, template);
  }
  return template;
}

function renderTemplate(
  template: Template,
  messages: readonly ChatMessage[],
  options: RenderChatOptions,
): string {
  try {
    return template.render({
      ...options.variables,
      messages,
      tools: options.tools && options.tools.length > 0 ? options.tools : undefined,
      add_generation_prompt: options.addGenerationPrompt === true,
      enable_thinking: options.enableThinking ?? true,
      bos_token: options.bosToken ?? AGENT_TOKENS.beginOfText,
      eos_token: options.eosToken ?? AGENT_TOKENS.endOfText,
    });
  } catch (err) {
    throw new TokenizerOptionError('template', `failed to render: ${(err as Error).message}`);
  }
}

/**
 * Swaps special tokens inside untrusted strings for `<marker><n>_` placeholders (letters and digits, which
 * no template filter such as `tojson` or `trim` alters; the marker occurs in none of the chat's strings)
 * and swaps them back in the rendered text, recording where they went.
 */
class Placeholders {
  private readonly marker: string;
  private readonly pattern: RegExp;
  private readonly tokens: string[] = [];

  constructor(chatText: string, specials: readonly string[]) {
    let nonce = 0;
    while (chatText.includes(`agentlmliteral${nonce}x`)) nonce++;
    this.marker = `agentlmliteral${nonce}x`;
    const alternatives = [...new Set(specials)]
      .filter((t) => t.length > 0)
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[|\\{}()[\]^$+*?.]/g, '\\$&'));
    this.pattern = new RegExp(alternatives.length > 0 ? alternatives.join('|') : '(?!)', 'g');
  }

  private hide(text: string): string {
    return text.replace(this.pattern, (token) => `${this.marker}${this.tokens.push(token) - 1}_`);
  }

  /** Every string inside `value` with its special tokens hidden. */
  deep(value: unknown): unknown {
    if (typeof value === 'string') return this.hide(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.deep(v)]));
    return value;
  }

  /** A message with its content hidden, except an assistant's leading `<think>…</think>` tags (markup). */
  message(m: ChatMessage): ChatMessage {
    const out = this.deep(m) as ChatMessage;
    const content = m.content ?? '';
    const open = content.length - content.trimStart().length;
    const close = content.indexOf(AGENT_TOKENS.thinkEnd);
    if (m.role === 'assistant' && content.startsWith(AGENT_TOKENS.thinkStart, open) && close > open) {
      out.content =
        this.hide(content.slice(0, open)) +
        AGENT_TOKENS.thinkStart +
        this.hide(content.slice(open + AGENT_TOKENS.thinkStart.length, close)) +
        AGENT_TOKENS.thinkEnd +
        this.hide(content.slice(close + AGENT_TOKENS.thinkEnd.length));
    }
    return out;
  }

  restore(rendered: string): RenderedChat {
    const literalSpans: LiteralSpan[] = [];
    let text = '';
    let last = 0;
    for (const m of rendered.matchAll(new RegExp(`${this.marker}(\\d+)_`, 'g'))) {
      const token = this.tokens[Number(m[1])] ?? '';
      text += rendered.slice(last, m.index);
      literalSpans.push([text.length, text.length + token.length]);
      text += token;
      last = m.index + m[0].length;
    }
    return { text: text + rendered.slice(last), literalSpans };
  }
}

/** Token ids of a chat plus a loss mask that is 1 exactly on the assistant's own tokens. */
export interface EncodedChat {
  ids: number[];
  lossMask: Uint8Array;
}

/**
 * Encodes a chat in the agent format with its assistant-only loss mask. Message content (and the tool
 * specs) is text: a `<|end_of_text|>` or `<tool_response>` a user writes is encoded as those characters,
 * never as the control token, unless the chat or the message is trusted (`trustedContent`, `trusted`).
 * The format's own markup (turn openers, think tags, `<tool_call>` around structured `tool_calls`) is
 * special. Every piece boundary sits next to a special token, so for content without special-token text
 * the ids equal `tokenizer.encode(renderChat(messages, options))`. Assistant turns are trainable from
 * their first token after `<|Assistant|>` through `<|end_of_text|>`.
 */
export function encodeChat(
  tokenizer: Pick<Tokenizer, 'encode'>,
  messages: readonly ChatMessage[],
  options: AgentFormatOptions = {},
): EncodedChat {
  const ids: number[] = [];
  const mask: number[] = [];
  for (const segment of agentSegments(messages, options)) {
    const piece = tokenizer.encode(segment.text, { literalSpans: segment.literal });
    for (const id of piece) {
      ids.push(id);
      mask.push(segment.trainable ? 1 : 0);
    }
  }
  return { ids, lossMask: Uint8Array.from(mask) };
}
