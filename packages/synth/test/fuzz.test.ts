import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectTypedFailures, jsonCases, mutateBytes, seeded } from '../../../tools/dev/fuzz.js';
import { formatProblems, SynthError, synthesize } from '../src/index.js';
import { listShards, readShard } from '../src/shards.js';

const root = mkdtempSync(join(tmpdir(), 'synth-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * Mutated trajectory shards (JSONL and msgpack): each either reads back as trajectories or fails with a
 * SynthError naming the shard file (and, inside it, the line or record and the field).
 */
describe('trajectory shards under fuzzing', { timeout: 120_000 }, () => {
  async function shard(format: 'jsonl' | 'msgpack'): Promise<Buffer> {
    const out = join(root, format);
    await synthesize({ out, count: 4, seed: 2, format });
    return readFileSync(listShards(out)[0] as string);
  }

  it('JSONL: 400 mutations of one record, and byte damage to the whole shard', async () => {
    const valid = await shard('jsonl');
    const [first, ...rest] = valid.toString('utf8').trimEnd().split('\n');
    const file = join(root, 'trajectories-00000.jsonl');
    const structural = [...jsonCases(JSON.parse(first as string), 29, 400)].map((c) => ({
      ...c,
      bytes: Buffer.from([c.text.replace(/\n/g, ' '), ...rest].join('\n')),
    }));
    const rand = seeded(31);
    const damaged = Array.from({ length: 200 }, (_, i) => ({
      what: `bytes ${i}`,
      bytes: Buffer.from(mutateBytes(valid, rand)),
    }));
    const outcome = await expectTypedFailures(
      [...structural, ...damaged],
      ({ bytes }) => {
        writeFileSync(file, bytes);
        // a reader past the parse: the format check renders every record read
        for (const t of readShard(file)) formatProblems(t.task, t.messages, t.tools);
      },
      SynthError,
      file,
    );
    expect(outcome.rejected).toBeGreaterThan(150);
    expect(outcome.accepted).toBeGreaterThan(10);
  });

  it('msgpack: 400 byte-level mutations', async () => {
    const valid = await shard('msgpack');
    const file = join(root, 'trajectories-00000.msgpack');
    const rand = seeded(37);
    const cases = Array.from({ length: 400 }, (_, i) => ({
      what: `bytes ${i}`,
      bytes: Buffer.from(mutateBytes(valid, rand)),
    }));
    const outcome = await expectTypedFailures(
      cases,
      ({ bytes }) => {
        writeFileSync(file, bytes);
        // a reader past the parse: the format check renders every record read
        for (const t of readShard(file)) formatProblems(t.task, t.messages, t.tools);
      },
      SynthError,
      file,
    );
    expect(outcome.rejected).toBeGreaterThan(100);
  });

  it('names the record and the field at fault', async () => {
    const record = JSON.parse((await shard('jsonl')).toString('utf8').split('\n')[0] as string);
    record.messages[1].role = 'wizard';
    const file = join(root, 'trajectories-00001.jsonl');
    writeFileSync(file, `\n${JSON.stringify(record)}\n`);
    expect(() => readShard(file)).toThrow(
      /trajectories-00001.jsonl: line 2: messages\[1\].role must be one of system, user, assistant, tool, got "wizard"/,
    );
  });
});
