import { AGENT_TOKENS, parseAssistant, renderChat } from '@agentlm/tokenizer';
import type { ChatMessage, ToolSpec } from './types.js';

/** An assistant generation parsed back into its parts. */
export interface ParsedAssistant {
  reasoning: string;
  content: string;
  toolCalls: { name: string; arguments: Record<string, unknown> }[];
}

/**
 * The chat format trajectories are checked against: a renderer and an assistant-text parser. The
 * default is @agentlm/tokenizer's Youtu agent format, so the checks follow what training will see.
 */
export interface ChatFormat {
  render(messages: ChatMessage[], tools: ToolSpec[]): string;
  /** Throws when a `<tool_call>` block is not JSON with a name and an arguments object. */
  parseAssistant(text: string): ParsedAssistant;
  /** Marks that open and close one assistant generation in the rendered text. */
  assistantStart: string;
  assistantEnd: string;
}

function parseYoutuAssistant(text: string): ParsedAssistant {
  const parsed = parseAssistant(text);
  const [error] = parsed.errors;
  if (error) throw new SyntaxError(`malformed tool call (${error.message}): ${error.raw.slice(0, 80)}`);
  return {
    reasoning: parsed.reasoning ?? '',
    content: parsed.content,
    toolCalls: parsed.toolCalls.map((c) => {
      const args: unknown = JSON.parse(c.function.arguments);
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        throw new SyntaxError(`malformed tool call: arguments of ${c.function.name} must be a JSON object`);
      }
      return { name: c.function.name, arguments: args as Record<string, unknown> };
    }),
  };
}

/** The Youtu format of SPEC §2, from @agentlm/tokenizer (renderChat + parseAssistant). */
export const youtuFormat: ChatFormat = {
  render: (messages, tools) => renderChat(messages, { tools: tools as unknown as Record<string, unknown>[] }),
  parseAssistant: parseYoutuAssistant,
  assistantStart: AGENT_TOKENS.assistant,
  assistantEnd: AGENT_TOKENS.endOfText,
};
