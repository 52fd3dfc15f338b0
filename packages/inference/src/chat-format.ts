import {
  parseAssistant,
  renderChat,
  renderChatSpans,
  type ChatMessage as TemplateMessage,
} from '@agentlm/tokenizer';
import type { ChatFormat, ChatMessage, ChatRenderOptions, ParsedAssistant } from './chat.js';
import type { ToolCall } from './tools.js';

export interface YoutuChatFormatOptions {
  /** A Jinja chat template (a tokenizer's `chatTemplate`); null or absent: the built-in agent format. */
  template?: string | null;
  bosToken?: string;
  eosToken?: string;
}

/**
 * The Youtu chat format (SPEC §2) through @agentlm/tokenizer's renderer and parser: the model's own
 * Jinja template when the tokenizer has one, else the built-in agent format (the same text). Message
 * content is encoded as text (`renderSpans`): only the template's markup becomes control tokens.
 */
export function youtuChatFormat(options: YoutuChatFormatOptions = {}): ChatFormat {
  const { template = null, bosToken, eosToken } = options;
  const renderOptions = ({
    tools = [],
    addGenerationPrompt = false,
    thinking = true,
  }: ChatRenderOptions) => ({
    template,
    ...(bosToken === undefined ? {} : { bosToken }),
    ...(eosToken === undefined ? {} : { eosToken }),
    tools: tools.map((t) => ({ type: 'function', function: t })),
    addGenerationPrompt,
    enableThinking: thinking,
  });
  return {
    render: (messages, options) => renderChat(messages.map(toTemplateMessage), renderOptions(options)),
    renderSpans: (messages, { specialTokens, ...options }) =>
      renderChatSpans(messages.map(toTemplateMessage), {
        ...renderOptions(options),
        ...(specialTokens === undefined ? {} : { specialTokens }),
      }),
    parse(text): ParsedAssistant {
      const parsed = parseAssistant(text);
      const toolCalls: ToolCall[] = [];
      const invalidToolCalls = parsed.errors.map((e) => ({ raw: e.raw, error: e.message }));
      for (const call of parsed.toolCalls) {
        try {
          toolCalls.push({
            id: call.id,
            name: call.function.name,
            arguments: JSON.parse(call.function.arguments),
          });
        } catch (err) {
          invalidToolCalls.push({
            raw: call.function.arguments,
            error: `arguments are not JSON: ${(err as Error).message}`,
          });
        }
      }
      return { reasoning: parsed.reasoning, content: parsed.content, toolCalls, invalidToolCalls };
    },
  };
}

function toTemplateMessage(m: ChatMessage): TemplateMessage {
  const out: TemplateMessage = { role: m.role, content: m.content };
  if (m.reasoning !== undefined) out.reasoning = m.reasoning;
  if (m.toolCalls !== undefined) {
    out.tool_calls = m.toolCalls.map((c) => ({
      id: c.id,
      name: c.name,
      arguments: c.arguments as Record<string, unknown>,
    }));
  }
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  if (m.name !== undefined) out.name = m.name;
  return out;
}
