import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-cli-synth-'));

describe('agentlm synth', () => {
  it('synthesizes a balanced verified dataset, resumes, and inspects it', () => {
    const out = join(tmp(), 'data');
    const res = runCli(['synth', '--domains', 'math,tools', '--count', '12', '--seed', '3', '--out', out]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/kept 12\/12 verified trajectories/);
    expect(res.stdout).toMatch(/math\s+kept\s+6\s+rejected\s+0\s+pass 100\.0%.*d1:2 d2:2 d3:2/);
    expect(readdirSync(out).sort()).toEqual(['report.json', 'trajectories-00000.jsonl']);
    const lines = readFileSync(join(out, 'trajectories-00000.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(Object.keys(JSON.parse(lines[0] as string)).sort()).toEqual([
      'domain',
      'id',
      'messages',
      'meta',
      'task',
      'tools',
      'verdict',
    ]);

    const again = runCli(['synth', '--domains', 'math,tools', '--count', '12', '--seed', '3', '--out', out]);
    expect(again.stdout).toMatch(/this run: 0 episodes/);

    const shown = runCli(['synth', 'inspect', join(out, 'trajectories-00000.jsonl'), '--index', '7']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^id tools-d1-s3-\d+ {2}domain tools/);
    expect(shown.stdout).toMatch(/verdict PASSED/);
    expect(shown.stdout).toMatch(/── assistant ──\n<think>\nAnalysis:/);
    expect(shown.stdout).toMatch(/→ \w+\(\{/);
    const id = JSON.parse(lines[0] as string).id as string;
    const json = JSON.parse(runCli(['synth', 'inspect', out, '--id', id, '--json']).stdout);
    expect(json.id).toBe(id);
    expect(runCli(['synth', 'inspect', out, '--stats']).stdout.trim()).toBe('12 records, math 6, tools 6');
  });

  it('counts report token lengths with a real tokenizer', () => {
    const dir = tmp();
    const data = join(dir, 'data');
    expect(runCli(['synth', '--domains', 'math', '--count', '6', '--out', data]).code).toBe(0);
    const tok = join(dir, 'tok');
    const trained = runCli([
      'tokenizer',
      'train',
      '--corpus',
      join(data, 'trajectories-00000.jsonl'),
      '--jsonl-field',
      'task.prompt',
      '--vocab-size',
      '300',
      '--out',
      tok,
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    const counted = runCli([
      'synth',
      '--domains',
      'math',
      '--count',
      '6',
      '--out',
      join(dir, 'again'),
      '--tokenizer',
      tok,
    ]);
    expect(counted.code, counted.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'again', 'report.json'), 'utf8'));
    expect(report.tokenizer).toBe('provided');
    const estimated = JSON.parse(readFileSync(join(data, 'report.json'), 'utf8'));
    expect(report.domains.math.tokens.mean).not.toBe(estimated.domains.math.tokens.mean);
    expect(report.domains.math.tokens.mean).toBeGreaterThan(0);
  });

  it('drives a local model directory (untrained here: it runs, every episode is rejected)', () => {
    const dir = tmp();
    expect(runCli(['synth', '--domains', 'math', '--count', '3', '--out', join(dir, 'd')]).code).toBe(0);
    const tok = join(dir, 'tok');
    expect(
      runCli([
        'tokenizer',
        'train',
        '--corpus',
        join(dir, 'd', 'trajectories-00000.jsonl'),
        '--jsonl-field',
        'task.prompt',
        '--vocab-size',
        '300',
        '--out',
        tok,
      ]).code,
    ).toBe(0);
    const model = join(dir, 'model');
    expect(runCli(['model', 'init', '--preset', 'nano', '--tokenizer', tok, '--out', model]).code).toBe(0);
    const res = runCli([
      'synth',
      '--policy',
      'local',
      '--model',
      model,
      '--max-tokens',
      '4',
      '--domains',
      'math',
      '--difficulties',
      '1',
      '--count',
      '1',
      '--out',
      join(dir, 'local'),
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/kept 0\/1/);
    expect(res.stdout).toMatch(/this run: 4 episodes/);
    expect(runCli(['synth', 'inspect', join(dir, 'local'), '--rejected', '--stats']).stdout.trim()).toMatch(
      /^\d+ records, math \d+$/,
    );
    expect(runCli(['synth', '--policy', 'local', '--count', '1', '--out', dir]).stderr).toMatch(
      /--model: expected a model directory/,
    );
  });

  it('writes msgpack shards', () => {
    const out = join(tmp(), 'mp');
    expect(
      runCli(['synth', '--domains', 'research', '--count', '3', '--format', 'msgpack', '--out', out]).code,
    ).toBe(0);
    expect(readdirSync(out)).toContain('trajectories-00000.msgpack');
    expect(runCli(['synth', 'inspect', out, '--index', '2']).stdout).toMatch(/domain research/);
  });

  it('reports bad options as one typed error line with exit code 1', () => {
    const bad = runCli(['synth', '--domains', 'math,poetry', '--count', '4', '--out', tmp()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'agentlm: SynthOptionError [SYNTH_OPTION]: --domains: expected a comma-separated list of math, code, tools, research, got "poetry"',
    );
    expect(runCli(['synth', '--count', '4', '--out', tmp(), '--policy', 'openai']).stderr).toMatch(
      /--teacher-url: expected a base URL/,
    );
    expect(runCli(['synth', 'inspect', tmp(), '--index', '0']).stderr).toMatch(
      /SynthOptionError .*it holds 0/,
    );
  });

  it('survives an unreachable teacher: episodes fail, the run finishes and says so', () => {
    const out = join(tmp(), 'teacher');
    const res = runCli([
      'synth',
      '--domains',
      'tools',
      '--difficulties',
      '1',
      '--count',
      '1',
      '--policy',
      'openai',
      '--teacher-url',
      'http://127.0.0.1:9/v1',
      '--teacher-model',
      'm',
      '--max-retries',
      '0',
      '--out',
      out,
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/kept 0\/1/);
    expect(res.stdout).toMatch(/[1-9]\d* policy errors \(retried on rerun\)/);
  });
});
