import { describe, expect, it } from 'vitest';
import { demoTools } from '../src/tools.js';

describe('in-browser demo tools', () => {
  const tools = demoTools();

  it('offers the calculator, the clock and the unit converter', () => {
    expect(tools.specs().map((s) => s.name)).toEqual(['calculator', 'current_time', 'convert_length']);
  });

  it('runs the inference calculator (no eval)', async () => {
    expect(await tools.call({ name: 'calculator', arguments: { expression: '17 * 23' } })).toMatchObject({
      ok: true,
      content: '391',
    });
  });

  it('converts lengths and reports bad units as a tool result the model can read', async () => {
    const km = await tools.call({ name: 'convert_length', arguments: { value: 1, from: 'km', to: 'm' } });
    expect(Number(km.content)).toBe(1000);
    const inches = await tools.call({
      name: 'convert_length',
      arguments: { value: 12, from: 'in', to: 'ft' },
    });
    expect(Number(inches.content)).toBeCloseTo(1, 12);
    const bad = await tools.call({
      name: 'convert_length',
      arguments: { value: 1, from: 'parsec', to: 'm' },
    });
    expect(bad.ok).toBe(false);
    expect(bad.content).toMatch(/invalid arguments.*from/);
  });
});
