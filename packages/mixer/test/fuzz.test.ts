import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { expectTypedFailures, jsonCases, mutateText, seeded } from '../../../tools/dev/fuzz.js';
import { loadCurriculum, MixerError, parseCurriculum, planMix } from '../src/index.js';
import { tempDir } from './helpers.js';

/** A curriculum with every kind of source, several stages and the cleaning block, defaults filled. */
const VALID = parseCurriculum({
  seed: 3,
  sources: [
    { name: 'web', domain: 'commonsense', type: 'generator', generator: 'commonsense', count: 50 },
    { name: 'notes', domain: 'stem', type: 'text', paths: ['notes/*.txt'], split: 'paragraph' },
    { name: 'chats', domain: 'agent', type: 'jsonl', paths: ['chats.jsonl'], format: 'chat' },
    { name: 'packed', domain: 'code', type: 'shards', paths: ['shards'] },
  ],
  stages: [
    { name: 'warm', tokens: 5000, seqLen: 64, weights: { web: 2, notes: 1 }, lr: 'warmup' },
    { name: 'mid', tokens: 8000, seqLen: 128, weights: { web: 1, chats: 3, packed: 1 }, interpolate: true },
  ],
});

/**
 * Mutated curriculum files (JSON and YAML): each either loads and plans or fails with a MixerError naming
 * the file and the field.
 */
describe('mixer config under fuzzing', { timeout: 120_000 }, () => {
  const dir = tempDir();

  it('curriculum JSON: 500 mutations', async () => {
    const file = join(dir, 'mix.json');
    const outcome = await expectTypedFailures(
      jsonCases(VALID, 41, 500),
      ({ text }) => {
        writeFileSync(file, text);
        planMix(loadCurriculum(file));
      },
      MixerError,
      file,
    );
    expect(outcome.rejected).toBeGreaterThan(150);
    expect(outcome.accepted).toBeGreaterThan(20);
  });

  it('curriculum YAML: 300 text mutations', async () => {
    const file = join(dir, 'mix.yaml');
    const text = stringify(VALID);
    const rand = seeded(43);
    const cases = Array.from({ length: 300 }, (_, i) => ({
      what: `case ${i}`,
      text: mutateText(text, rand),
    }));
    const outcome = await expectTypedFailures(
      cases,
      ({ text: t }) => {
        writeFileSync(file, t);
        planMix(loadCurriculum(file));
      },
      MixerError,
      file,
    );
    expect(outcome.rejected).toBeGreaterThan(30);
  });
});
