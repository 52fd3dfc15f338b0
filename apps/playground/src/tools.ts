import { calculatorTool, clockTool, type ToolDefinition, ToolRegistry } from '@agentlm/inference';

/**
 * The in-browser tools the chat offers: @agentlm/inference's calculator and clock, plus a unit converter
 * (the one tool inference does not ship). The registry validates arguments and turns failures into tool
 * results the model can read, as in the CLI's tool loop.
 */
const lengthFactors: Record<string, number> = {
  m: 1,
  km: 1000,
  cm: 0.01,
  mm: 0.001,
  mi: 1609.344,
  ft: 0.3048,
  in: 0.0254,
};

export const convertLengthTool: ToolDefinition<{ value: number; from: string; to: string }> = {
  name: 'convert_length',
  description: 'Converts a length between m, km, cm, mm, mi, ft and in.',
  parameters: {
    type: 'object',
    properties: {
      value: { type: 'number' },
      from: { type: 'string', enum: Object.keys(lengthFactors) },
      to: { type: 'string', enum: Object.keys(lengthFactors) },
    },
    required: ['value', 'from', 'to'],
    additionalProperties: false,
  },
  handler: ({ value, from, to }) =>
    String((value * (lengthFactors[from] as number)) / (lengthFactors[to] as number)),
};

export function demoTools(): ToolRegistry {
  return new ToolRegistry(5_000).register(calculatorTool).register(clockTool).register(convertLengthTool);
}
