import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('agentlm mix', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentlm-cli-mix-'));
    const lines = Array.from(
      { length: 300 },
      (_, i) => `The agent reads ${i} files; ${i} × 7 = ${i * 7}. A cow says moo.`,
    );
    writeFileSync(join(dir, 'corpus.txt'), lines.join('\n'));
    const res = runCli([
      'tokenizer',
      'train',
      '--corpus',
      join(dir, 'corpus.txt'),
      '--vocab-size',
      '400',
      '--out',
      join(dir, 'tok'),
    ]);
    expect(res.code, res.stderr).toBe(0);
    writeFileSync(
      join(dir, 'web.jsonl'),
      ['{"text": "Rivers flow to the sea."}', '{"text": ', '{"text": "Stars shine at night."}'].join('\n'),
    );
    writeFileSync(
      join(dir, 'mix.yaml'),
      [
        'seed: 3',
        'tokenizer: tok',
        'sources:',
        '  - {name: web, domain: commonsense, type: jsonl, paths: [web.jsonl]}',
        '  - {name: stem, domain: stem, type: generator, generator: stem}',
        'stages:',
        '  - {name: general, tokens: 6000, seqLen: 64, lr: warmup, weights: {web: 3, stem: 1}}',
        '  - {name: stem, tokens: 6000, seqLen: 128, lr: decay, interpolate: true, weights: {stem: 1}}',
      ].join('\n'),
    );
  });

  it('plans a curriculum without reading data', () => {
    const res = runCli(['mix', 'plan', join(dir, 'mix.yaml')]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('total 12,032 tokens in 2 stages');
    expect(res.stdout).toContain('stage stem: 6,016 tokens = 47 × 128, lr decay');
    expect(res.stdout).toMatch(/stem\s+stem\s+25\.0% → 100\.0%/);
    const preset = runCli(['mix', 'plan', '--preset', 'youtu', '--total-tokens', '1000000', '--json']);
    expect(preset.code, preset.stderr).toBe(0);
    const plan = JSON.parse(preset.stdout);
    expect(plan.stages.map((s: { name: string }) => s.name)).toEqual([
      'commonsense',
      'stem',
      'long-1024',
      'long-2048',
      'agentic',
    ]);
  });

  it('builds shards with the tokenizer, reports skipped lines, and inspects the result', () => {
    const out = join(dir, 'out');
    const res = runCli(['mix', 'build', join(dir, 'mix.yaml'), '--out', out, '--export', 'megatron']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/\[#+\] 100\.0% stem 12,032\/12,032 tokens/);
    expect(res.stdout).toContain('stage general (seq 64, lr warmup): 6,016 of 6,016 tokens');
    expect(res.stdout).toMatch(/filtered web: .*\d+ malformed/);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(index).toMatchObject({ complete: true, sequences: 94 + 47, tokens: 12_032 });
    expect(
      readFileSync(join(out, 'megatron', 'mix_text_document.idx'))
        .subarray(0, 7)
        .toString(),
    ).toBe('MMIDIDX');
    const again = runCli(['mix', 'build', join(dir, 'mix.yaml'), '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    const inspect = runCli(['mix', 'inspect', out, '--sequences', '2']);
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('complete, 141 sequences, 12,032 tokens');
    expect(inspect.stdout).toMatch(/--- sequence 0 \(stage general, 64 tokens/);
    expect(inspect.stdout).toMatch(
      /Rivers flow to the sea\.|Problem:|Convert|This program|A cyclist|How much work|A block|A force/,
    );
  });

  it('fails with one clear line on bad input', () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        sources: [{ name: 'a', type: 'text', paths: ['missing.txt'] }],
        stages: [{ name: 's', tokens: 0, seqLen: 4, weights: { b: 1 } }],
      }),
    );
    const bad = runCli(['mix', 'plan', join(dir, 'bad.json')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(
      /^agentlm: MixerConfigError \[MIXER_CONFIG\]: .*bad\.json: stages\[0\]\.tokens: .*stages\[0\]\.weights\.b: unknown source "b"$/,
    );
    writeFileSync(
      join(dir, 'missing.json'),
      JSON.stringify({
        sources: [{ name: 'a', type: 'text', paths: ['missing.txt'] }],
        stages: [{ name: 's', tokens: 8, seqLen: 4, weights: { a: 1 } }],
      }),
    );
    const missing = runCli([
      'mix',
      'build',
      join(dir, 'missing.json'),
      '--out',
      join(dir, 'o2'),
      '--tokenizer',
      join(dir, 'tok'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('MixerSourceError [MIXER_SOURCE]:');
    expect(missing.stderr).toContain('missing.txt: source "a": file not found');
    const noTok = runCli(['mix', 'build', '--preset', 'youtu', '--out', join(dir, 'o3')]);
    expect(noTok.code).toBe(1);
    expect(noTok.stderr).toContain('no tokenizer');
    const notMix = runCli(['mix', 'inspect', dir]);
    expect(notMix.code).toBe(1);
    expect(notMix.stderr).toContain('MixerFormatError');
  });
});
