import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cliBin, runCli } from './run-cli.js';

/** A small corpus of prose, code and LaTeX, repeated with variations so merges have counts. */
function corpusLines(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) =>
      [
        `The agent reads ${i} files and writes a summary of the results.`,
        `def step_${i % 17}(x):\n    return x * ${i % 9} + 1\n`,
        `$\\frac{${i % 7}}{2} + \\alpha_${i % 5} \\leq \\beta$`,
      ][i % 3] as string,
  );
}

describe('agentlm tokenizer', () => {
  let dir: string;
  let tokDir: string;
  let bosId: number;
  let vocabSize: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentlm-cli-tok-'));
    tokDir = join(dir, 'tok');
    const lines = corpusLines(600);
    await writeFile(join(dir, 'a.txt'), lines.slice(0, 300).join('\n'));
    await writeFile(
      join(dir, 'b.jsonl'),
      lines
        .slice(300)
        .map((text) => JSON.stringify({ text }))
        .join('\n'),
    );
    const res = runCli([
      'tokenizer',
      'train',
      '--corpus',
      join(dir, '*.txt'),
      join(dir, 'b.jsonl'),
      '--vocab-size',
      '600',
      '--preset',
      'stem',
      '--out',
      tokDir,
    ]);
    expect(res.stderr).toContain('distinct pre-tokens');
    expect(res.code).toBe(0);
    const json = JSON.parse(await readFile(join(tokDir, 'tokenizer.json'), 'utf8'));
    const added = json.added_tokens as { id: number; content: string }[];
    bosId = added.find((t) => t.content === '<|begin_of_text|>')?.id as number;
    vocabSize = Math.max(...added.map((t) => t.id)) + 1;
  });

  it('train writes an HF tokenizer with the agent tokens and chat template', async () => {
    const json = JSON.parse(await readFile(join(tokDir, 'tokenizer.json'), 'utf8'));
    const config = JSON.parse(await readFile(join(tokDir, 'tokenizer_config.json'), 'utf8'));
    expect(json.model.type).toBe('BPE');
    expect(json.added_tokens.map((t: { content: string }) => t.content)).toContain('<|Assistant|>');
    expect(config.bos_token).toBe('<|begin_of_text|>');
    expect(config.chat_template).toContain('<|Assistant|>');
  });

  it('encode prints ids, --special adds BOS, decode turns them back', () => {
    const plain = runCli([
      'tokenizer',
      'encode',
      '--tokenizer',
      tokDir,
      '--text',
      'return x * 2 + \\alpha',
      '--json',
    ]);
    expect(plain.code).toBe(0);
    const ids = JSON.parse(plain.stdout) as number[];
    expect(ids.length).toBeGreaterThan(3);
    const withBos = runCli([
      'tokenizer',
      'encode',
      '--tokenizer',
      join(tokDir, 'tokenizer.json'),
      '--text',
      'return x * 2 + \\alpha',
      '--special',
    ]);
    expect(withBos.stdout.trim().split(' ').map(Number)).toEqual([bosId, ...ids]);
    const back = runCli(['tokenizer', 'decode', '--tokenizer', tokDir, ...ids.map(String)]);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe('return x * 2 + \\alpha\n');
    const skip = runCli([
      'tokenizer',
      'decode',
      '--tokenizer',
      tokDir,
      '--ids',
      JSON.stringify([bosId, ...ids]),
      '--skip-special',
    ]);
    expect(skip.stdout).toBe('return x * 2 + \\alpha\n');
  });

  it('encode --file and stats report bytes per token and coverage', async () => {
    await writeFile(join(dir, 'sample.txt'), corpusLines(30).join('\n'));
    const enc = runCli([
      'tokenizer',
      'encode',
      '--tokenizer',
      tokDir,
      '--file',
      join(dir, 'sample.txt'),
      '--json',
    ]);
    expect(enc.code).toBe(0);
    const stats = runCli(['tokenizer', 'stats', '--tokenizer', tokDir, join(dir, 'sample.txt'), '--json']);
    expect(stats.code).toBe(0);
    const report = JSON.parse(stats.stdout);
    expect(report.files[0].tokens).toBe(JSON.parse(enc.stdout).length);
    expect(report.files[0].bytesPerToken).toBeGreaterThan(2);
    expect(report.coverage.vocabSize).toBe(vocabSize);
    expect(report.coverage.usedTokens).toBeGreaterThan(20);
    const table = runCli(['tokenizer', 'stats', '--tokenizer', tokDir, join(dir, 'sample.txt')]);
    expect(table.stdout, table.stderr).toMatch(
      new RegExp(`vocabulary coverage: \\d+ of ${vocabSize} tokens used`),
    );
  });

  it('fails with one typed line naming the file, field or value at fault', async () => {
    const bad = join(dir, 'bad');
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }));
    const cases: [string[], RegExp][] = [
      [
        ['tokenizer', 'encode', '--tokenizer', join(dir, 'bad.json'), '--text', 'x'],
        /TokenizerFormatError \[TOKENIZER_FORMAT\]: .*bad\.json: model\.type is unsupported: "WordPiece"/,
      ],
      [
        ['tokenizer', 'decode', '--tokenizer', tokDir, '5', '100000'],
        /TokenIdError \[TOKEN_ID_RANGE\]: token id 100000 is out of range/,
      ],
      [['tokenizer', 'decode', '--tokenizer', tokDir, 'x1'], /TokenizerOptionError.*"x1"/],
      [
        ['tokenizer', 'train', '--corpus', join(dir, 'missing.txt'), '--vocab-size', '300', '--out', bad],
        /CorpusError \[CORPUS\]: .*missing\.txt: cannot read/,
      ],
      [
        [
          'tokenizer',
          'train',
          '--corpus',
          join(dir, 'a.txt'),
          '--vocab-size',
          '300',
          '--preset',
          'nope',
          '--out',
          bad,
        ],
        /--preset must be one of/,
      ],
      [['tokenizer', 'encode', '--tokenizer', tokDir, '--text', 'a', '--file', 'b'], /give exactly one/],
      [
        ['tokenizer', 'stats', '--tokenizer', join(dir, 'nowhere'), join(dir, 'a.txt')],
        /nowhere: no such file or directory/,
      ],
    ];
    for (const [args, message] of cases) {
      const res = runCli(args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr.trim().split('\n'), res.stderr).toHaveLength(1);
      expect(res.stderr).toMatch(message);
    }
  });

  it('a training run killed midway leaves no output behind', async () => {
    await writeFile(join(dir, 'big.txt'), corpusLines(60000).join('\n'));
    const outDir = join(dir, 'killed');
    const child = spawn(process.execPath, [
      cliBin,
      'tokenizer',
      'train',
      '--corpus',
      join(dir, 'big.txt'),
      '--vocab-size',
      '30000',
      '--min-frequency',
      '1',
      '--out',
      outDir,
    ]);
    // Kill it as soon as it reports that counting is done, i.e. while it merges.
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('distinct pre-tokens')) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(join(outDir, 'tokenizer.json'))).toBe(false);
    expect(existsSync(outDir) ? await readdir(outDir) : []).toEqual([]);
  });
});
