import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChat } from '@agentlm/tokenizer';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { type ChatMessage, MixerSourceError } from '../src/index.js';
import { drain, encoder, streamOf, tempDir } from './helpers.js';

/**
 * One stage reading the source under test until it stops, then a stage of filler documents (a NUL byte)
 * that flushes the last partial sequence, so every document of the source comes out.
 */
const stage = (name: string) => [
  { name: 's', tokens: 100_000, seqLen: 32, weights: { [name]: 1 } },
  { name: 'flush', tokens: 64, seqLen: 32, weights: { filler: 1 } },
];
const filler = { name: 'filler', type: 'generator' as const, generator: 'filler' };
const generators = { filler: () => ({ ids: [0] }) };
const decode = (ids: ArrayLike<number>) => encoder.decode?.(ids) ?? '';

/** Reassembles the text of every document of a finished stream (documents split at EOS). */
async function documents(
  input: Parameters<typeof streamOf>[0],
): Promise<{ texts: string[]; stream: ReturnType<typeof streamOf> }> {
  const s = streamOf(input, { generators });
  const seqs = await drain(s);
  const all = seqs.flatMap((q) => Array.from(q.tokens));
  const texts: string[] = [];
  let cur: number[] = [];
  for (const t of all) {
    if (t === encoder.eosId) {
      if (cur.length === 1 && cur[0] === 0) break;
      texts.push(decode(cur));
      cur = [];
    } else cur.push(t);
  }
  return { texts, stream: s };
}

describe('sources', () => {
  it('reads text files and globs in sorted order, split by file, paragraph or line', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'b.txt'), 'beta one\nbeta two\n\nbeta three');
    writeFileSync(join(dir, 'sub', 'a.txt'), 'alpha');
    const base = {
      sources: [
        { name: 't', type: 'text' as const, paths: [join(dir, '**/*.txt')], onExhausted: 'stop' as const },
        filler,
      ],
      stages: stage('t'),
    };
    expect((await documents(base)).texts).toEqual(['beta one\nbeta two\n\nbeta three', 'alpha']);
    const para = { ...base, sources: [{ ...base.sources[0], split: 'paragraph' as const }, filler] };
    expect((await documents(para)).texts).toEqual(['beta one\nbeta two', 'beta three', 'alpha']);
    const line = { ...base, sources: [{ ...base.sources[0], split: 'line' as const }, filler] };
    expect((await documents(line)).texts).toEqual(['beta one', 'beta two', 'beta three', 'alpha']);
  });

  it('skips malformed JSONL lines, reporting file:line, or fails on them', async () => {
    const dir = tempDir();
    const file = join(dir, 'web.jsonl');
    writeFileSync(
      file,
      ['{"text": "one"}', '{"text": ', '', '{"body": "x"}', '[1]', '{"text": "two"}'].join('\n'),
    );
    const input = {
      sources: [{ name: 'web', type: 'jsonl' as const, paths: [file], onExhausted: 'stop' as const }, filler],
      stages: stage('web'),
    };
    const { texts, stream } = await documents(input);
    expect(texts).toEqual(['one', 'two']);
    expect(stream.stats.problems[0]).toBe(3);
    expect(stream.stats.problemSamples[0]).toMatch(new RegExp(`^${file}:2: malformed JSON`));
    expect(stream.stats.problemSamples[1]).toBe(`${file}:4: field "text" must be a string, got nothing`);
    expect(stream.stats.problemSamples[2]).toBe(`${file}:5: expected a JSON object`);
    await expect(drain(streamOf({ ...input, onError: 'fail' }, { generators }))).rejects.toThrow(
      MixerSourceError,
    );
    await expect(drain(streamOf({ ...input, onError: 'fail' }, { generators }))).rejects.toThrow(
      `${file}:2: malformed JSON`,
    );
  });

  it('reads a chosen JSONL field', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.jsonl'), '{"body": "hello"}\n');
    const input = {
      sources: [
        {
          name: 'x',
          type: 'jsonl' as const,
          field: 'body',
          paths: [join(dir, 'x.jsonl')],
          onExhausted: 'stop' as const,
        },
        filler,
      ],
      stages: stage('x'),
    };
    expect((await documents(input)).texts).toEqual(['hello']);
  });

  it('reads parquet through hyparquet, reporting bad rows as file:row', async () => {
    const dir = tempDir();
    const file = join(dir, 'web.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'text', data: ['first', null, 'third'], type: 'STRING' },
        { name: 'id', data: [1, 2, 3], type: 'INT32' },
      ],
    });
    const pq = { name: 'pq', type: 'parquet' as const, paths: [file], onExhausted: 'stop' as const };
    const input = { sources: [pq, filler], stages: stage('pq') };
    const { texts, stream } = await documents(input);
    expect(texts).toEqual(['first', 'third']);
    expect(stream.stats.problemSamples).toEqual([`${file}:2: column "text" must be a string, got null`]);
    await expect(drain(streamOf({ ...input, onError: 'fail' }, { generators }))).rejects.toThrow(
      `${file}:2: column "text"`,
    );
    const missing = { ...input, sources: [{ ...pq, field: 'body' }, filler] };
    await expect(drain(streamOf(missing, { generators }))).rejects.toThrow(/no column "body"/);
    writeFileSync(join(dir, 'bad.parquet'), 'not parquet at all');
    await expect(
      drain(
        streamOf(
          { ...input, sources: [{ ...pq, paths: [join(dir, 'bad.parquet')] }, filler] },
          { generators },
        ),
      ),
    ).rejects.toThrow(/bad\.parquet: source "pq": cannot read parquet/);
  });

  it('skips chats whose verdict failed unless keepUnverified is set', async () => {
    const dir = tempDir();
    const traj = (answer: string, passed: boolean) =>
      JSON.stringify({
        id: answer,
        messages: [
          { role: 'user', content: 'Q?' },
          { role: 'assistant', content: answer },
        ],
        verdict: { passed },
      });
    writeFileSync(
      join(dir, 'traj.jsonl'),
      [traj('good one', true), traj('bad one', false), traj('good two', true)].join('\n'),
    );
    const source = {
      name: 't',
      type: 'jsonl' as const,
      format: 'chat' as const,
      paths: [join(dir, 'traj.jsonl')],
      onExhausted: 'stop' as const,
    };
    const strict = await documents({ sources: [source, filler], stages: stage('t') });
    expect(strict.stream.stats.filters[0]).toMatchObject({ seen: 3, kept: 2, unverified: 1 });
    expect(strict.texts.join('|')).not.toContain('bad one');
    const lenient = await documents({
      sources: [{ ...source, keepUnverified: true }, filler],
      stages: stage('t'),
    });
    expect(lenient.stream.stats.filters[0]).toMatchObject({ seen: 3, kept: 3, unverified: 0 });
  });

  it('masks the loss to exactly the assistant turns of a chat', async () => {
    const dir = tempDir();
    const chat = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Add 2 and 3.' },
        {
          role: 'assistant',
          content: '<think>2+3</think>',
          tool_calls: [{ name: 'calc', arguments: { e: '2+3' } }],
        },
        { role: 'tool', content: '5' },
        { role: 'assistant', content: 'It is 5.' },
      ],
      tools: [{ name: 'calc' }],
    };
    writeFileSync(join(dir, 'chat.jsonl'), `${JSON.stringify(chat)}\n`);
    const s = streamOf({
      sources: [{ name: 'c', type: 'jsonl', format: 'chat', paths: [join(dir, 'chat.jsonl')] }],
      stages: [{ name: 's', tokens: 4000, seqLen: 16, weights: { c: 1 } }],
    });
    const seqs = await drain(s);
    const all = seqs.flatMap((q) => Array.from(q.tokens));
    const end = all.indexOf(256, 1); // the second chat's <|begin_of_text|>
    const tokens = all.slice(0, end);
    const mask = seqs.flatMap((q) => Array.from(q.lossMask)).slice(0, end);
    const rendered = renderChat(chat.messages as ChatMessage[], { tools: chat.tools });
    expect(decode(tokens)).toBe(rendered);
    // the trainable tokens are exactly each assistant turn: after <|Assistant|>, through its <|end_of_text|>
    const assistantTurns = [...rendered.matchAll(/<\|Assistant\|>([\s\S]*?<\|end_of_text\|>)/g)].map(
      (m) => m[1],
    );
    expect(assistantTurns).toHaveLength(2);
    expect(decode(tokens.filter((_, i) => mask[i] === 1))).toBe(assistantTurns.join(''));
    // no extra EOS after a chat that already ends with one
    expect(tokens.filter((t) => t === encoder.eosId)).toHaveLength(2);
  });
});
