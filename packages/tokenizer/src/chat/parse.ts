import { AGENT_TOKENS } from './agent-format.js';
import type { ParsedAssistant, ToolCallError } from './types.js';

const T = AGENT_TOKENS;

/**
 * Splits generated assistant text into thinking, answer and tool calls. Tolerant: the opening
 * `<think>` may be missing (it was in the prompt), a trailing `<|end_of_text|>` is dropped, an
 * unterminated last `<tool_call>` is still read, and a call whose JSON does not parse is reported in
 * `errors` with its raw text instead of being thrown away.
 */
export function parseAssistant(text: string): ParsedAssistant {
  let rest = text.endsWith(T.endOfText) ? text.slice(0, -T.endOfText.length) : text;
  let reasoning: string | null = null;
  const thinkEnd = rest.indexOf(T.thinkEnd);
  if (thinkEnd >= 0) {
    const start = rest.lastIndexOf(T.thinkStart, thinkEnd);
    reasoning = rest.slice(start >= 0 ? start + T.thinkStart.length : 0, thinkEnd).trim();
    rest = (start > 0 ? rest.slice(0, start) : '') + rest.slice(thinkEnd + T.thinkEnd.length);
  } else if (rest.trimStart().startsWith(T.thinkStart)) {
    // Cut off mid-thought: everything is reasoning.
    return {
      content: '',
      reasoning: rest.trimStart().slice(T.thinkStart.length).trim(),
      toolCalls: [],
      errors: [],
    };
  }
  const toolCalls: ParsedAssistant['toolCalls'] = [];
  const errors: ToolCallError[] = [];
  let content = '';
  let at = 0;
  for (;;) {
    const open = rest.indexOf(T.toolCallStart, at);
    if (open < 0) {
      content += rest.slice(at);
      break;
    }
    content += rest.slice(at, open);
    const bodyStart = open + T.toolCallStart.length;
    const close = rest.indexOf(T.toolCallEnd, bodyStart);
    const raw = rest.slice(bodyStart, close < 0 ? rest.length : close).trim();
    at = close < 0 ? rest.length : close + T.toolCallEnd.length;
    const call = parseCall(raw);
    if (typeof call === 'string') errors.push({ raw, message: call });
    else toolCalls.push({ id: `call_${toolCalls.length}`, type: 'function', function: call });
  }
  return { content: content.trim(), reasoning, toolCalls, errors };
}

/** `{ name, arguments }` with arguments as compact JSON text, or the reason it is not one. */
function parseCall(raw: string): { name: string; arguments: string } | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'a tool call must be a JSON object';
  const { name, arguments: args, parameters } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return 'a tool call needs a non-empty "name"';
  const a = args ?? parameters ?? {};
  if (typeof a === 'string') return { name, arguments: a };
  return { name, arguments: JSON.stringify(a) };
}
