import type { ToolDefinition } from './tools.js';

/**
 * A calculator over + - * / ^ and parentheses on decimal numbers, parsed by recursive descent (never
 * `eval`): a safe default tool for the terminal chat and the playground.
 */
export const calculatorTool: ToolDefinition<{ expression: string }> = {
  name: 'calculator',
  description: 'Evaluates an arithmetic expression with + - * / ^ and parentheses, e.g. "(2 + 3) * 4.5".',
  parameters: {
    type: 'object',
    properties: { expression: { type: 'string', description: 'the expression to evaluate' } },
    required: ['expression'],
    additionalProperties: false,
  },
  handler: ({ expression }) => String(evaluate(expression)),
};

/** The current date and time (UTC, ISO 8601). */
export const clockTool: ToolDefinition<Record<string, never>> = {
  name: 'current_time',
  description: 'Returns the current date and time in UTC (ISO 8601).',
  parameters: { type: 'object', properties: {}, additionalProperties: false },
  handler: () => new Date().toISOString(),
};

/** Evaluates an arithmetic expression; throws with the position of the first thing it cannot read. */
export function evaluate(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|[-+*/^()]|\S/gi) ?? [];
  let at = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at token ${at + 1} of ${JSON.stringify(expression)}`);
  };
  const peek = () => tokens[at];
  const primary = (): number => {
    const t = tokens[at++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const v = sum();
      if (tokens[at++] !== ')') fail('expected ")"');
      return v;
    }
    if (t === '-') return -power();
    if (t === '+') return power();
    const v = Number(t);
    return Number.isFinite(v) ? v : fail(`unexpected ${JSON.stringify(t)}`);
  };
  const power = (): number => {
    const base = primary();
    if (peek() !== '^') return base;
    at++;
    return base ** power();
  };
  const product = (): number => {
    let v = power();
    while (peek() === '*' || peek() === '/') v = tokens[at++] === '*' ? v * power() : v / power();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') v = tokens[at++] === '+' ? v + product() : v - product();
    return v;
  };
  const value = sum();
  if (at < tokens.length) fail(`unexpected ${JSON.stringify(tokens[at])}`);
  return value;
}
