import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DocumentGenerator,
  MixerFormatError,
  MixerSourceError,
  MixStream,
  type TokenDocument,
} from '../src/index.js';
import { curriculum, drain, encoder, flatTokens, streamOf, tempDir } from './helpers.js';

const EOS = encoder.eosId;

/** Token documents of a fixed length band, recorded in draw order so tests know the exact input stream. */
function recordingGenerator(log: number[][], id: number, minLen: number, maxLen: number): DocumentGenerator {
  return (rng) => {
    const len = rng.int(minLen, maxLen);
    const ids = Array.from({ length: len }, () => id * 10 + rng.int(0, 9));
    log.push([...ids, EOS]);
    return { ids } satisfies TokenDocument;
  };
}

const gen = (name: string, extra: object = {}) => ({
  name,
  type: 'generator' as const,
  generator: name,
  ...extra,
});

describe('mixing', () => {
  it('delivers token shares within tolerance of the stage weights, whatever the document lengths', async () => {
    const log: number[][] = [];
    const generators = {
      short: recordingGenerator(log, 1, 5, 15),
      mid: recordingGenerator(log, 2, 40, 60),
      long: recordingGenerator(log, 3, 150, 250),
    };
    const s = streamOf(
      {
        seed: 7,
        sources: [gen('short'), gen('mid'), gen('long')],
        stages: [{ name: 's', tokens: 300_000, seqLen: 256, weights: { short: 5, mid: 3, long: 2 } }],
      },
      { generators },
    );
    await drain(s);
    const delivered = s.stats.delivered[0];
    const total = delivered.reduce((a, b) => a + b, 0);
    expect(total).toBe(Math.ceil(300_000 / 256) * 256);
    expect(delivered[0] / total).toBeCloseTo(0.5, 1);
    expect(Math.abs(delivered[0] / total - 0.5)).toBeLessThan(0.02);
    expect(Math.abs(delivered[1] / total - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(delivered[2] / total - 0.2)).toBeLessThan(0.02);
  });

  it('interpolates weights linearly across a stage', async () => {
    const log: number[][] = [];
    const generators = { a: recordingGenerator(log, 1, 20, 20), b: recordingGenerator(log, 2, 20, 20) };
    const s = streamOf(
      {
        sources: [gen('a'), gen('b')],
        stages: [
          { name: 'one', tokens: 1000, seqLen: 100, weights: { a: 1 } },
          { name: 'two', tokens: 40_000, seqLen: 100, weights: { b: 1 }, interpolate: true },
        ],
      },
      { generators },
    );
    const seqs = (await drain(s)).filter((q) => q.stage === 1);
    const shareB = (part: typeof seqs) =>
      flatTokens(part).filter((t) => t >= 20 && t < 30).length /
      flatTokens(part).filter((t) => t !== EOS).length;
    const fifth = Math.floor(seqs.length / 5);
    expect(shareB(seqs.slice(0, fifth))).toBeLessThan(0.25);
    expect(shareB(seqs.slice(2 * fifth, 3 * fifth))).toBeGreaterThan(0.35);
    expect(shareB(seqs.slice(2 * fifth, 3 * fifth))).toBeLessThan(0.65);
    expect(shareB(seqs.slice(-fifth))).toBeGreaterThan(0.75);
  });

  it('packs every document token exactly once, with EOS between documents and their starts marked', async () => {
    const log: number[][] = [];
    const generators = { a: recordingGenerator(log, 1, 1, 90), b: recordingGenerator(log, 2, 1, 400) };
    const s = streamOf(
      {
        sources: [gen('a'), gen('b')],
        stages: [
          { name: 'one', tokens: 5000, seqLen: 64, weights: { a: 1, b: 1 } },
          { name: 'two', tokens: 5000, seqLen: 256, weights: { a: 1, b: 3 } },
        ],
      },
      { generators },
    );
    const seqs = await drain(s);
    const expected = log.flat();
    const got = flatTokens(seqs);
    expect(got).toEqual(expected.slice(0, got.length));
    expect(expected.length - got.length).toBeLessThan(400 + 2);
    // document starts, in stream coordinates, are exactly where each logged document begins
    const starts: number[] = [];
    let offset = 0;
    for (const q of seqs) {
      for (const d of q.docStarts) starts.push(offset + d);
      offset += q.tokens.length;
    }
    const logged: number[] = [];
    let at = 0;
    for (const doc of log) {
      if (at < got.length) logged.push(at);
      at += doc.length;
    }
    expect(starts).toEqual(logged);
    expect(seqs.filter((q) => q.stage === 0).every((q) => q.tokens.length === 64)).toBe(true);
    expect(seqs.filter((q) => q.stage === 1).every((q) => q.tokens.length === 256)).toBe(true);
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const input = (seed: number) => ({
      seed,
      sources: [gen('commonsense'), gen('stem'), gen('code')],
      stages: [{ name: 's', tokens: 20_000, seqLen: 128, weights: { commonsense: 2, stem: 1, code: 1 } }],
    });
    const a = flatTokens(await drain(streamOf(input(1))));
    const b = flatTokens(await drain(streamOf(input(1))));
    const c = flatTokens(await drain(streamOf(input(2))));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('never draws a zero-weight source', async () => {
    const s = streamOf({
      sources: [gen('commonsense'), gen('stem')],
      stages: [
        { name: 'a', tokens: 5000, seqLen: 64, weights: { commonsense: 1, stem: 0 } },
        { name: 'b', tokens: 5000, seqLen: 64, weights: { stem: 1 } },
      ],
    });
    await drain(s);
    expect(s.stats.documents[0][1]).toBe(0);
    expect(s.stats.documents[1][0]).toBe(0);
  });

  it('drops a stopped source and cycles a cycled one', async () => {
    const log: number[][] = [];
    const generators = { few: recordingGenerator(log, 1, 10, 10), loop: recordingGenerator(log, 2, 10, 10) };
    const s = streamOf(
      {
        sources: [gen('few', { count: 3, onExhausted: 'stop' }), gen('loop', { count: 2 })],
        stages: [{ name: 's', tokens: 2000, seqLen: 50, weights: { few: 1, loop: 1 } }],
      },
      { generators },
    );
    await drain(s);
    expect(s.stats.documents[0][0]).toBe(3);
    expect(s.stats.events).toContainEqual({ stage: 0, source: 'few', event: 'stopped' });
    expect(s.stats.events).toContainEqual({ stage: 0, source: 'loop', event: 'cycled' });
    expect(s.stats.delivered[0].reduce((a, b) => a + b, 0)).toBe(2000);
  });

  it('ends a stage early when every source has stopped, carrying the partial sequence into the next stage', async () => {
    const log: number[][] = [];
    const generators = { few: recordingGenerator(log, 1, 10, 10), more: recordingGenerator(log, 2, 10, 10) };
    const s = streamOf(
      {
        sources: [gen('few', { count: 5, onExhausted: 'stop' }), gen('more')],
        stages: [
          { name: 'a', tokens: 1000, seqLen: 20, weights: { few: 1 } },
          { name: 'b', tokens: 100, seqLen: 20, weights: { more: 1 } },
        ],
      },
      { generators },
    );
    const seqs = await drain(s);
    expect(s.stats.events).toContainEqual({ stage: 0, source: '*', event: 'stage-ended-early' });
    expect(seqs.filter((q) => q.stage === 0)).toHaveLength(2);
    expect(flatTokens(seqs)).toEqual(log.flat().slice(0, flatTokens(seqs).length));
  });

  it('fails when a cycled source has no usable documents', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty.jsonl'), 'not json\n');
    const s = streamOf({
      sources: [{ name: 'e', type: 'jsonl', paths: [join(dir, 'empty.jsonl')] }],
      stages: [{ name: 's', tokens: 100, seqLen: 10, weights: { e: 1 } }],
    });
    await expect(drain(s)).rejects.toThrow(MixerSourceError);
  });
});

describe('resume', () => {
  function corpus(): string {
    const dir = tempDir();
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const text = `Document ${i % 45} talks about ${['rivers', 'stars', 'cats'][i % 3]} and numbers ${i % 45} ${(i % 45) * 7} in a fairly long sentence with enough words to shingle.`;
      lines.push(JSON.stringify({ text }));
      if (i === 10) lines.push('{broken');
    }
    writeFileSync(join(dir, 'web.jsonl'), `${lines.join('\n')}\n`);
    const chats = [0, 1, 2].map((i) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: `What is ${i} + ${i}?` },
          { role: 'assistant', content: `It is ${i + i}.` },
        ],
      }),
    );
    writeFileSync(join(dir, 'chat.jsonl'), `${chats.join('\n')}\n`);
    return dir;
  }

  it('continues byte-identically from a state saved after any sequence', async () => {
    const dir = corpus();
    const input = {
      seed: 5,
      cleaning: { nearDedup: { bands: 8, rows: 4, shingle: 3 } },
      sources: [
        { name: 'web', type: 'jsonl' as const, paths: [join(dir, 'web.jsonl')] },
        {
          name: 'chat',
          type: 'jsonl' as const,
          format: 'chat' as const,
          paths: [join(dir, '*.jsonl')],
          onError: 'skip' as const,
        },
        gen('stem'),
      ],
      stages: [
        { name: 'a', tokens: 12_000, seqLen: 96, weights: { web: 3, chat: 1, stem: 1 } },
        { name: 'b', tokens: 12_000, seqLen: 160, weights: { web: 1, chat: 1, stem: 2 }, interpolate: true },
      ],
    };
    const whole = streamOf(input);
    const full = await drain(whole);
    expect(full.length).toBeGreaterThan(100);
    for (const k of [0, 1, 17, 63, 124, full.length - 1, full.length]) {
      const first = streamOf(input);
      await drain(first, k);
      const resumed = new MixStream(curriculum(input), encoder, { state: first.saveState() });
      const rest = await drain(resumed);
      expect(rest.length).toBe(full.length - k);
      expect(flatTokens(rest)).toEqual(flatTokens(full.slice(k)));
      expect(rest.map((q) => Array.from(q.lossMask))).toEqual(
        full.slice(k).map((q) => Array.from(q.lossMask)),
      );
      expect(rest.map((q) => Array.from(q.docStarts))).toEqual(
        full.slice(k).map((q) => Array.from(q.docStarts)),
      );
      expect(resumed.stats).toEqual(whole.stats);
    }
  });

  it('refuses a state from a different curriculum', async () => {
    const a = streamOf({
      seed: 1,
      sources: [gen('stem')],
      stages: [{ name: 's', tokens: 100, seqLen: 10, weights: { stem: 1 } }],
    });
    await drain(a, 2);
    const other = curriculum({
      seed: 2,
      sources: [gen('stem')],
      stages: [{ name: 's', tokens: 100, seqLen: 10, weights: { stem: 1 } }],
    });
    expect(() => new MixStream(other, encoder, { state: a.saveState() })).toThrow(MixerFormatError);
    expect(() => new MixStream(other, encoder, { state: new Uint8Array([1, 2, 3]) })).toThrow(
      MixerFormatError,
    );
  });
});
