import type { ChatMessage, ToolSpec } from './types.js';

/** An assistant generation parsed back into its parts. */
export interface ParsedAssistant {
  reasoning: string;
  content: string;
  toolCalls: { name: string; arguments: Record<string, unknown> }[];
}

/**
 * The chat format used to check trajectories: the Youtu template renderer and the assistant-text
 * parser. Kept behind this one interface so the checks follow @agentlm/tokenizer exactly.
 */
export interface ChatFormat {
  render(messages: ChatMessage[], tools: ToolSpec[]): string;
  /** Throws when a `<tool_call>` block is not valid JSON with a name and an arguments object. */
  parseAssistant(text: string): ParsedAssistant;
  /** Marks that open and close one assistant generation in the rendered text. */
  assistantStart: string;
  assistantEnd: string;
}

const BOS = '<|begin_of_text|>';
const EOS = '<|end_of_text|>';

/** Text an assistant message is generated as: its content then one `<tool_call>` block per call. */
export function assistantText(message: ChatMessage): string {
  const calls = (message.tool_calls ?? []).map(
    (c) =>
      `<tool_call>${JSON.stringify({ name: c.function.name, arguments: c.function.arguments })}</tool_call>`,
  );
  return message.content + calls.join('');
}

const THINK = /^\s*<think>([\s\S]*?)<\/think>\s*/;
const TOOL_CALL = /<tool_call>([\s\S]*?)<\/tool_call>/g;

function parseYoutuAssistant(text: string): ParsedAssistant {
  const think = THINK.exec(text);
  const reasoning = think ? (think[1] ?? '').trim() : '';
  const body = think ? text.slice(think[0].length) : text;
  const toolCalls: ParsedAssistant['toolCalls'] = [];
  for (const m of body.matchAll(TOOL_CALL)) {
    const call = JSON.parse(m[1] ?? '') as { name?: unknown; arguments?: unknown };
    if (typeof call.name !== 'string' || typeof call.arguments !== 'object' || call.arguments === null) {
      throw new SyntaxError(`tool call needs a string "name" and an object "arguments": ${m[1]}`);
    }
    toolCalls.push({ name: call.name, arguments: call.arguments as Record<string, unknown> });
  }
  return { reasoning, content: body.replace(TOOL_CALL, '').trim(), toolCalls };
}

function renderYoutu(messages: ChatMessage[], tools: ToolSpec[]): string {
  let out = BOS;
  const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant');
  let inToolResponses = false;
  messages.forEach((m, i) => {
    if (m.role !== 'tool') inToolResponses = false;
    if (m.role === 'system') {
      out += m.content;
    } else if (m.role === 'user') {
      out += `<|User|>${m.content}`;
    } else if (m.role === 'tool') {
      out += `${inToolResponses ? '' : '<|User|>'}<tool_response>${m.content}</tool_response>`;
      inToolResponses = true;
    } else {
      // Earlier assistant turns drop their thinking, as in the Youtu template.
      const text = i === lastAssistant ? assistantText(m) : assistantText(m).replace(THINK, '');
      out += `<|Assistant|>${text}${EOS}`;
    }
    if (i === 0 && tools.length > 0) {
      out += `<|begin_of_tool_description|>${tools.map((t) => JSON.stringify(t)).join('\n')}<|end_of_tool_description|>`;
    }
  });
  return out;
}

/** The Youtu format as SPEC §2 describes it. */
export const youtuFormat: ChatFormat = {
  render: renderYoutu,
  parseAssistant: parseYoutuAssistant,
  assistantStart: '<|Assistant|>',
  assistantEnd: EOS,
};
