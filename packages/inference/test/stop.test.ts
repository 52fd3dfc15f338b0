import { describe, expect, it } from 'vitest';
import { StopMatcher } from '../src/index.js';

function feed(stops: string[], pieces: string[]) {
  const m = new StopMatcher(stops);
  const out: string[] = [];
  let stopped = false;
  for (const p of pieces) {
    const r = m.push(p);
    out.push(r.text);
    if (r.stopped) {
      stopped = true;
      break;
    }
  }
  if (!stopped) out.push(m.flush());
  return { out, text: out.join(''), stopped, by: m.stoppedBy };
}

describe('StopMatcher', () => {
  it('cuts exactly before a stop string inside one piece', () => {
    expect(feed(['END'], ['abcENDdef'])).toMatchObject({ text: 'abc', stopped: true, by: 'END' });
  });

  it('finds a stop string spanning pieces and holds back its possible start', () => {
    const r = feed(['</tool>'], ['hello <', '/to', 'ol> after']);
    expect(r.text).toBe('hello ');
    expect(r.out).toEqual(['hello ', '', '']);
    expect(r.by).toBe('</tool>');
  });

  it('releases held text once it can no longer start a stop string', () => {
    const r = feed(['STOP'], ['aS', 'Tx', 'yz']);
    expect(r.out).toEqual(['a', 'STx', 'yz', '']);
    expect(r.stopped).toBe(false);
  });

  it('flushes a dangling partial match at the end', () => {
    expect(feed(['STOP'], ['abc ST']).out).toEqual(['abc ', 'ST']);
  });

  it('picks the earliest of several stop strings', () => {
    expect(feed(['bb', 'a b'], ['xa bb'])).toMatchObject({ text: 'x', by: 'a b' });
    expect(feed(['\n\n', 'User:'], ['one\n', '\ntwo'])).toMatchObject({ text: 'one', by: '\n\n' });
  });

  it('without stop strings passes everything through', () => {
    expect(feed([], ['a', 'b']).out).toEqual(['a', 'b', '']);
    expect(feed([''], ['a']).out).toEqual(['a', '']);
  });
});
