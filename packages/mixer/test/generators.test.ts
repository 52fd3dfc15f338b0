import { describe, expect, it } from 'vitest';
import { builtinGenerators, type ChatDocument, generateDocument, type TextDocument } from '../src/index.js';

const text = (name: string, i: number, seed = 0) =>
  (generateDocument(builtinGenerators[name], name, seed, i) as TextDocument).text;

describe('built-in generators', () => {
  it('are pure functions of (seed, name, index) and vary across indices', () => {
    for (const name of ['commonsense', 'stem', 'code']) {
      expect(text(name, 5)).toBe(text(name, 5));
      expect(text(name, 5, 1)).not.toBe(text(name, 5));
      const distinct = new Set(Array.from({ length: 200 }, (_, i) => text(name, i)));
      expect(distinct.size).toBe(200);
    }
  });

  it('write correct worked arithmetic, algebra and conversions', () => {
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const doc = text('stem', i);
      for (const m of doc.matchAll(/Answer: (\d+) ([+×-]) (\d+) = (\d+)\./g)) {
        const [a, op, b, r] = [Number(m[1]), m[2], Number(m[3]), Number(m[4])];
        expect(op === '+' ? a + b : op === '×' ? a * b : a - b).toBe(r);
        checked++;
      }
      for (const m of doc.matchAll(
        /Solve (-?\d+)([a-z]) ([+-]) (\d+) = (-?\d+)\.[\s\S]*?Answer: \2 = (-?\d+)\./g,
      )) {
        const [a, sign, b, c, x] = [Number(m[1]), m[3], Number(m[4]), Number(m[5]), Number(m[6])];
        expect(a * x + (sign === '+' ? b : -b)).toBe(c);
        checked++;
      }
      for (const m of doc.matchAll(/So (\d+) (\w+) = (\d+) (\w+)\./g)) {
        const factor = {
          kilometers: 1000,
          meters: 100,
          kilograms: 1000,
          hours: 60,
          minutes: 60,
          liters: 1000,
          days: 24,
        } as Record<string, number>;
        const [n, from, r, to] = [Number(m[1]), m[2], Number(m[3]), m[4]];
        if (factor[from] && r >= n) expect(n * factor[from]).toBe(r);
        if (factor[to] && r < n) expect(r * factor[to]).toBe(n);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('state facts consistently (a cow always says moo)', () => {
    const sounds = new Map<string, Set<string>>();
    for (let i = 0; i < 300; i++) {
      for (const m of text('commonsense', i).matchAll(/An? (\w+) says "(\w+)"/g)) {
        if (!sounds.has(m[1])) sounds.set(m[1], new Set());
        sounds.get(m[1])?.add(m[2]);
      }
    }
    expect(sounds.get('cow')).toEqual(new Set(['moo']));
    expect([...sounds.values()].every((s) => s.size === 1)).toBe(true);
  });

  it('show code with example results that match the function', () => {
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      for (const m of text('code', i).matchAll(
        /(?:print|console\.log)\((?:fact|factorial)\((\d+)\)\)\)?;?\s*(?:#|\/\/) (\d+)/g,
      )) {
        let f = 1;
        for (let k = 2; k <= Number(m[1]); k++) f *= k;
        expect(Number(m[2])).toBe(f);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('make agentic trajectories with a verified tool result and answer', () => {
    for (let i = 0; i < 50; i++) {
      const doc = generateDocument(builtinGenerators.agent, 'agent', 0, i) as ChatDocument;
      const call = doc.messages[2].tool_calls?.[0];
      const expr = call && 'arguments' in call ? (call.arguments as { expression: string }).expression : '';
      const [paid, count, price] = expr.split(/[-*]/).map((x) => Number(x.trim()));
      expect(doc.messages[3]).toMatchObject({ role: 'tool', content: String(paid - count * price) });
      expect(doc.messages[4].content).toContain(`$${paid - count * price} in change`);
      expect(paid - count * price).toBeGreaterThan(0);
    }
  });
});
