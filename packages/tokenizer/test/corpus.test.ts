import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorpusError, readCorpus } from '../src/index.js';

describe('readCorpus', () => {
  it('streams a large text file in chunks cut only where a line starts with a non-space', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentlm-corpus-'));
    const file = join(dir, 'big.txt');
    const lines = Array.from({ length: 60000 }, (_, i) =>
      i % 3 === 0 ? `    indented ${i}\n\n` : `line ${i} 中文 ✓`,
    );
    await writeFile(file, lines.join('\n'));
    const chunks: string[] = [];
    for await (const chunk of readCorpus({ files: [file] })) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(await readFile(file, 'utf8'));
    for (const chunk of chunks.slice(0, -1)) {
      expect(chunk.endsWith('\n')).toBe(true);
    }
    for (const chunk of chunks.slice(1)) expect(chunk[0]).toMatch(/\S/);
  });

  it('reads JSONL fields, then in-memory texts, and rejects empty sources', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentlm-corpus-'));
    await writeFile(join(dir, 'a.jsonl'), '{"t": "one"}\n\n{"t": "two"}\n');
    const out: string[] = [];
    for await (const chunk of readCorpus({
      files: [join(dir, 'a.jsonl')],
      jsonlField: 't',
      texts: ['three'],
    }))
      out.push(chunk);
    expect(out).toEqual(['one', 'two', 'three']);
    await writeFile(join(dir, 'b.jsonl'), '{"t": "ok"}\nnot json\n');
    const read = async () => {
      for await (const _ of readCorpus({ files: [join(dir, 'b.jsonl')], jsonlField: 't' })) {
      }
    };
    await expect(read()).rejects.toThrow(CorpusError);
    await expect(read()).rejects.toThrow(/b\.jsonl:2: is not valid JSON/);
    await expect(readCorpus({}).next()).rejects.toThrow(/corpus needs files or texts/);
    await expect(readCorpus({ files: [join(dir, '*.nothing')] }).next()).rejects.toThrow(
      /the glob matches no file/,
    );
  });
});
