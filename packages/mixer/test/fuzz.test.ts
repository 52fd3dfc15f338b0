import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { expectTypedFailures, jsonCases, mutateText, seeded } from '../../../tools/dev/fuzz.js';
import { loadCurriculum, MixerError, parseCurriculum, planMix } from '../src/index.js';
import { drain, streamOf, tempDir } from './helpers.js';

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

  it('trajectory JSONL (chat format): 400 mutations of a record', async () => {
    const file = join(dir, 'chats.jsonl');
    const chat = {
      id: 't1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Add 2 and 3.' },
        {
          role: 'assistant',
          content: '<think>\n2+3\n</think>\n\n',
          reasoning: 'sum',
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'calc', arguments: { e: '2+3' } } }],
        },
        { role: 'tool', content: '5', tool_call_id: 'c' },
        { role: 'assistant', content: 'It is 5.' },
      ],
      tools: [{ type: 'function', function: { name: 'calc', parameters: { type: 'object' } } }],
      verdict: { passed: true },
    };
    const outcome = await expectTypedFailures(
      jsonCases(chat, 53, 400),
      async ({ text }) => {
        writeFileSync(file, `${text.replace(/\n/g, ' ')}\n`);
        await drain(
          streamOf({
            onError: 'fail',
            sources: [{ name: 'c', type: 'jsonl', format: 'chat', paths: [file] }],
            stages: [{ name: 's', tokens: 256, seqLen: 32, weights: { c: 1 } }],
          }),
        );
      },
      MixerError,
      file,
    );
    expect(outcome.rejected).toBeGreaterThan(100);
    expect(outcome.accepted).toBeGreaterThan(20);
  });

  it('regression the fuzzer found: a chat whose tool call is not an object names the field', async () => {
    const file = join(dir, 'bad-call.jsonl');
    const messages = [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: '', tool_calls: [-1] },
    ];
    writeFileSync(file, `${JSON.stringify({ messages })}\n`);
    const run = drain(
      streamOf({
        onError: 'fail',
        sources: [{ name: 'c', type: 'jsonl', format: 'chat', paths: [file] }],
        stages: [{ name: 's', tokens: 64, seqLen: 16, weights: { c: 1 } }],
      }),
    );
    await expect(run).rejects.toThrow(/bad-call.jsonl:1.*messages\[1\]\.tool_calls\[0\] must be/);
  });
});
