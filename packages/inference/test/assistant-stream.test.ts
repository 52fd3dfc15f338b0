import { describe, expect, it } from 'vitest';
import { AssistantStream } from '../src/index.js';

function run(pieces: string[], prefill = '') {
  const s = new AssistantStream();
  s.push(prefill);
  const out = pieces.flatMap((p) => s.push(p)).concat(s.flush());
  const join = (kind: string) =>
    out
      .filter((d) => d.kind === kind)
      .map((d) => d.text)
      .join('');
  return { reasoning: join('reasoning'), content: join('content'), out };
}

describe('AssistantStream', () => {
  it('splits reasoning from content and hides tool-call blocks, with tags split across pieces', () => {
    const text = '<think>plan: add</think>Sure.<tool_call>{"name":"add","arguments":{}}</tool_call> done';
    // every split point
    for (let i = 0; i <= text.length; i++) {
      const r = run([text.slice(0, i), text.slice(i)]);
      expect(r.reasoning).toBe('plan: add');
      expect(r.content).toBe('Sure. done');
    }
    const chars = run([...text]);
    expect(chars.content).toBe('Sure. done');
    for (const d of chars.out) expect(d.text).not.toMatch(/[<>]/);
  });

  it('continues a think block a prefill opened and keeps look-alike text', () => {
    expect(run(['still thinking</th', 'ink>answer <b>bold</b>'], '<think>')).toMatchObject({
      reasoning: 'still thinking',
      content: 'answer <b>bold</b>',
    });
    expect(run(['a <thi'])).toMatchObject({ content: 'a <thi' });
  });
});
