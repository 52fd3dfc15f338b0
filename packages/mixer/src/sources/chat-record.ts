/**
 * Checks a JSONL chat record (`messages`, optional `tools`) against what the chat encoder reads, and says
 * what is wrong (the field and what it must be), or null. A record the encoder would stumble over is a
 * source problem at its line, not a TypeError deep in the mixer.
 */
export function chatRecordProblem(record: Record<string, unknown>): string | null {
  const { messages, tools } = record;
  if (!Array.isArray(messages) || messages.length === 0) return 'field "messages" must be a non-empty array';
  for (const [i, m] of messages.entries()) {
    const problem = messageProblem(m);
    if (problem !== null) return `messages[${i}]${problem}`;
  }
  if (tools !== undefined && (!Array.isArray(tools) || !tools.every(isObject)))
    return 'field "tools" must be an array of objects';
  return null;
}

const ROLES = ['system', 'user', 'assistant', 'tool'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';

function messageProblem(m: unknown): string | null {
  if (!isObject(m)) return ' must be a {role, content} object';
  if (!ROLES.includes(m.role as string)) return `.role must be one of ${ROLES.join(', ')}`;
  if (typeof m.content !== 'string') return '.content must be a string';
  for (const key of ['reasoning', 'reasoning_content', 'tool_call_id', 'name'])
    if (!optionalString(m[key])) return `.${key} must be a string`;
  if (m.tool_calls === undefined) return null;
  if (!Array.isArray(m.tool_calls)) return '.tool_calls must be an array';
  for (const [k, call] of m.tool_calls.entries()) {
    // OpenAI-shaped ({ function: { name, arguments } }) or bare ({ name, arguments })
    const fn = isObject(call) && 'function' in call ? call.function : call;
    const args = isObject(fn) ? fn.arguments : undefined;
    if (!isObject(fn) || typeof fn.name !== 'string' || !(typeof args === 'string' || isObject(args)))
      return `.tool_calls[${k}] must be {function: {name, arguments}} or {name, arguments}`;
  }
  return null;
}
