import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, repetition, wordHashes } from '../src/index.js';
import { drain, streamOf, tempDir } from './helpers.js';

const WORDS =
  'river mountain harbour forest desert glacier island volcano meadow canyon survey count route village weather soil north south east west old new small large quiet busy green grey stone wood field road bridge tower market school garden lake'.split(
    ' ',
  );

/** A 40-word article of words drawn by its own seed: unrelated articles share almost no trigrams. */
function article(i: number): string {
  const rng = new Rng(1000 + i);
  return Array.from({ length: 40 }, () => rng.pick(WORDS)).join(' ');
}

/** 40 distinct articles, 10 exact copies, 10 copies with one word changed, then short / repetitive / flagged ones. */
function plantedCorpus(): string {
  const docs: string[] = [];
  for (let i = 0; i < 40; i++) docs.push(article(i));
  for (let i = 0; i < 10; i++) docs.push(article(i));
  for (let i = 10; i < 20; i++) docs.push(article(i).replace(/^\w+/, 'changed'));
  docs.push('tiny');
  docs.push(Array.from({ length: 40 }, () => 'buy now cheap').join(' '));
  docs.push(`${article(99)} FLAGGED`);
  const dir = tempDir();
  writeFileSync(join(dir, 'corpus.txt'), docs.join('\n\n'));
  return join(dir, 'corpus.txt');
}

describe('cleaning', () => {
  it('removes planted exact and near duplicates, short, repetitive and flagged documents, and counts each', async () => {
    const file = plantedCorpus();
    const s = streamOf(
      {
        cleaning: { minChars: 20, nearDedup: { bands: 16, rows: 4, shingle: 3 } },
        sources: [{ name: 'web', type: 'text', split: 'paragraph', paths: [file], onExhausted: 'stop' }],
        stages: [{ name: 's', tokens: 1_000_000, seqLen: 64, weights: { web: 1 } }],
      },
      { qualityFilter: (text) => !text.includes('FLAGGED') },
    );
    await drain(s);
    expect(s.stats.filters[0]).toEqual({
      seen: 63,
      kept: 40,
      tooShort: 1,
      tooLong: 0,
      repetitive: 1,
      exactDuplicate: 10,
      nearDuplicate: 10,
      quality: 1,
      unverified: 0,
    });
  });

  it('keeps kept documents and removes removed ones again when a source cycles', async () => {
    const file = plantedCorpus();
    const s = streamOf({
      cleaning: { minChars: 20, nearDedup: { bands: 16, rows: 4, shingle: 3 } },
      sources: [{ name: 'web', type: 'text', split: 'paragraph', paths: [file] }],
      stages: [{ name: 's', tokens: 40_000, seqLen: 64, weights: { web: 1 } }],
    });
    await drain(s);
    const f = s.stats.filters[0];
    const epochs = Math.floor(f.seen / 63);
    expect(epochs).toBeGreaterThan(1);
    // the 40 originals come first in the file and the (unfiltered here) flagged one last: each epoch keeps those 41
    expect(f.kept).toBe(41 * epochs + Math.min(f.seen % 63, 40));
    expect(s.stats.events.some((e) => e.event === 'cycled')).toBe(true);
  });

  it('scores repetition as the fraction of repeated word trigrams', () => {
    expect(repetition(wordHashes('a b c'))).toBe(0);
    expect(wordHashes(' a\tb\n\nc  ')).toEqual(wordHashes('a b c'));
    expect(repetition(wordHashes('x y z '.repeat(10)))).toBeGreaterThan(0.8);
    expect(repetition(wordHashes(Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ')))).toBe(0);
  });

  it('does not clean generator sources unless asked', async () => {
    const s = streamOf({
      cleaning: { minChars: 1_000_000 },
      sources: [{ name: 'stem', type: 'generator', generator: 'stem' }],
      stages: [{ name: 's', tokens: 2000, seqLen: 64, weights: { stem: 1 } }],
    });
    await drain(s);
    expect(s.stats.filters[0].tooShort).toBe(0);
    const cleaned = streamOf({
      cleaning: { maxChars: 10 },
      sources: [
        { name: 'stem', type: 'generator', generator: 'stem', clean: true, count: 5, onExhausted: 'stop' },
      ],
      stages: [{ name: 's', tokens: 2000, seqLen: 64, weights: { stem: 1 } }],
    });
    await drain(cleaned);
    expect(cleaned.stats.filters[0].tooLong).toBe(5);
  });
});
