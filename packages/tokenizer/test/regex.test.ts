import { describe, expect, it } from 'vitest';
import { splitter, toJsRegexSource } from '../src/regex.js';

const split = (
  pattern: string,
  text: string,
  behavior: Parameters<typeof splitter>[1] = 'Isolated',
  invert = false,
) => {
  const out: string[] = [];
  splitter(new RegExp(toJsRegexSource(pattern), 'gu'), behavior, invert)(text, (p) => out.push(p));
  return out;
};

describe('Oniguruma → JavaScript regex translation', () => {
  it('expands (?i:…) groups into explicit case classes', () => {
    expect(toJsRegexSource("(?i:'s|'ll)")).toBe("(?:'[sS]|'[lL][lL])");
    expect(toJsRegexSource("'(?i:[sdmt]|ll)")).toBe("'(?:[sSdDmMtT]|[lL][lL])");
    expect(toJsRegexSource('(?i:[a-c]\\p{L}x)')).toBe('(?:[a-cA-C]\\p{L}[xX])');
  });

  it('turns possessive quantifiers greedy and leaves \\p{…}+ alone', () => {
    expect(toJsRegexSource('[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+')).toBe('[^\\r\\n\\p{L}\\p{N}]?\\p{L}+');
    expect(toJsRegexSource(' ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*')).toBe(' ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*');
    expect(toJsRegexSource('\\p{N}{1,3}+x')).toBe('\\p{N}{1,3}x');
    expect(toJsRegexSource('a\\++')).toBe('a\\++');
  });
});

describe('Split behaviours', () => {
  it('isolates matches and keeps the gaps', () => {
    expect(split('\\p{N}', 'ab12c')).toEqual(['ab', '1', '2', 'c']);
    expect(split("(?i:'s)|\\p{L}+", "It'S ok")).toEqual(['It', "'S", ' ', 'ok']);
  });

  it('removes, merges with previous/next, and inverts', () => {
    expect(split('-', 'a-b--c', 'Removed')).toEqual(['a', 'b', 'c']);
    expect(split('-', 'a-b-', 'MergedWithPrevious')).toEqual(['a-', 'b-']);
    expect(split('-', '-a-b', 'MergedWithNext')).toEqual(['-a', '-b']);
    expect(split('-', 'a-b', 'Removed', true)).toEqual(['-']);
  });
});
