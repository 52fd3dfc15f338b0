import { describe, expect, it } from 'vitest';
import { calculatorTool, clockTool, evaluate, ToolRegistry } from '../src/index.js';

describe('built-in tools', () => {
  it('evaluates arithmetic with precedence, unary minus and powers', () => {
    expect(evaluate('(2 + 3) * 4.5')).toBe(22.5);
    expect(evaluate('2 + 3 * 4 - 6 / 3')).toBe(12);
    expect(evaluate('-2^2 + 2^3^2')).toBe(-4 + 512);
    expect(evaluate('1e3 / -4')).toBe(-250);
    expect(() => evaluate('2 +')).toThrow(/unexpected end/);
    expect(() => evaluate('2 $ 3')).toThrow(/unexpected "\$"/);
    expect(() => evaluate('process.exit()')).toThrow(/unexpected/);
  });

  it('work through a registry, errors included', async () => {
    const tools = new ToolRegistry().register(calculatorTool).register(clockTool);
    expect(await tools.call({ name: 'calculator', arguments: { expression: '6*7' } })).toEqual({
      ok: true,
      content: '42',
    });
    expect((await tools.call({ name: 'calculator', arguments: { expression: '6*' } })).content).toMatch(
      /failed: unexpected end/,
    );
    expect((await tools.call({ name: 'current_time', arguments: {} })).content).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
