/**
 * In-browser demo tools the chat can call. Deterministic and side-effect free, with JSON-schema specs in the
 * OpenAI function format that the chat template renders into the tool-description block.
 */
export interface DemoTool {
  spec: { name: string; description: string; parameters: Record<string, unknown> };
  run(args: Record<string, unknown>): string;
}

function evaluateArithmetic(expression: string): number {
  if (!/^[\d\s+\-*/().]+$/.test(expression))
    throw new Error(`unsupported characters in ${JSON.stringify(expression)}`);
  // Shunting-free recursive descent: no eval, only + - * / and parentheses.
  let pos = 0;
  const peek = () => expression[pos];
  const skip = () => {
    while (peek() === ' ') pos++;
  };
  const number = (): number => {
    skip();
    if (peek() === '(') {
      pos++;
      const v = sum();
      skip();
      if (peek() !== ')') throw new Error('missing )');
      pos++;
      return v;
    }
    if (peek() === '-') {
      pos++;
      return -number();
    }
    const m = /^\d+(\.\d+)?/.exec(expression.slice(pos));
    if (!m) throw new Error(`expected a number at ${pos}`);
    pos += m[0].length;
    return Number(m[0]);
  };
  const product = (): number => {
    let v = number();
    for (skip(); peek() === '*' || peek() === '/'; skip())
      v = expression[pos++] === '*' ? v * number() : v / number();
    return v;
  };
  const sum = (): number => {
    let v = product();
    for (skip(); peek() === '+' || peek() === '-'; skip())
      v = expression[pos++] === '+' ? v + product() : v - product();
    return v;
  };
  const value = sum();
  skip();
  if (pos !== expression.length) throw new Error(`unexpected ${JSON.stringify(expression.slice(pos))}`);
  return value;
}

const lengthFactors: Record<string, number> = {
  m: 1,
  km: 1000,
  cm: 0.01,
  mm: 0.001,
  mi: 1609.344,
  ft: 0.3048,
  in: 0.0254,
};

export const demoTools: DemoTool[] = [
  {
    spec: {
      name: 'calculator',
      description: 'Evaluate an arithmetic expression with + - * / and parentheses.',
      parameters: {
        type: 'object',
        properties: { expression: { type: 'string' } },
        required: ['expression'],
      },
    },
    run: (args) => String(evaluateArithmetic(String(args.expression))),
  },
  {
    spec: {
      name: 'convert_length',
      description: 'Convert a length between m, km, cm, mm, mi, ft and in.',
      parameters: {
        type: 'object',
        properties: { value: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } },
        required: ['value', 'from', 'to'],
      },
    },
    run: (args) => {
      const from = lengthFactors[String(args.from)];
      const to = lengthFactors[String(args.to)];
      if (from === undefined || to === undefined) throw new Error(`unknown unit ${args.from} or ${args.to}`);
      return String((Number(args.value) * from) / to);
    },
  },
];

/** Runs a tool call; errors become the tool's answer so the model can recover, as in the CLI's tool loop. */
export function runTool(name: string, args: Record<string, unknown>): string {
  const tool = demoTools.find((t) => t.spec.name === name);
  if (!tool) return `error: unknown tool ${name}`;
  try {
    return tool.run(args);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}
