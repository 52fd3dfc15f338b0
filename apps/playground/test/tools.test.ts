import { describe, expect, it } from 'vitest';
import { runTool } from '../src/tools.js';

describe('in-browser demo tools', () => {
  it('evaluates arithmetic with precedence and parentheses, without eval', () => {
    expect(runTool('calculator', { expression: '17 * 23' })).toBe('391');
    expect(runTool('calculator', { expression: '2 + 3 * (4 - 1) / 3' })).toBe('5');
    expect(runTool('calculator', { expression: '-4 + 10' })).toBe('6');
  });

  it('returns errors as tool results so the model can recover', () => {
    expect(runTool('calculator', { expression: 'alert(1)' })).toMatch(/^error: unsupported characters/);
    expect(runTool('calculator', { expression: '(1 + 2' })).toBe('error: missing )');
    expect(runTool('nope', {})).toBe('error: unknown tool nope');
  });

  it('converts lengths', () => {
    expect(Number(runTool('convert_length', { value: 1, from: 'km', to: 'm' }))).toBe(1000);
    expect(Number(runTool('convert_length', { value: 12, from: 'in', to: 'ft' }))).toBeCloseTo(1, 12);
    expect(runTool('convert_length', { value: 1, from: 'parsec', to: 'm' })).toMatch(/^error: unknown unit/);
  });
});
