import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const golden = fileURLToPath(new URL('../../../packages/model/test/fixtures/golden-tiny', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'agentlm-cli-model-'));

/** A minimal HF tokenizer directory: `size` byte-ish tokens plus bos/eos specials right after them. */
function fakeTokenizer(size = 300): string {
  const dir = tmp();
  const vocab = Object.fromEntries(Array.from({ length: size }, (_, i) => [`t${i}`, i]));
  const added = [
    { id: size, content: '<|begin_of_text|>', special: true },
    { id: size + 1, content: '<|end_of_text|>', special: true },
  ];
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({ model: { type: 'BPE', vocab, merges: [] }, added_tokens: added }),
  );
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ bos_token: '<|begin_of_text|>', eos_token: '<|end_of_text|>' }),
  );
  return dir;
}

describe('agentlm model', () => {
  it('model info prints config, parameter count and checkpoint contents', () => {
    const res = runCli(['model', 'info', golden]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('parameters: 17,520');
    expect(res.stdout).toContain('checkpoint: 26 tensors in 1 file(s)');
    const json = JSON.parse(runCli(['model', 'info', golden, '--json']).stdout);
    expect(json.stats.parameters).toBe(17520);
    expect(json.config.architectures).toEqual(['YoutuForCausalLM']);
  });

  it('model init sizes a preset to the tokenizer and writes a loadable HF checkpoint', () => {
    const out = join(tmp(), 'nano');
    const res = runCli([
      'model',
      'init',
      '--preset',
      'nano',
      '--tokenizer',
      fakeTokenizer(),
      '--out',
      out,
      '--seed',
      '3',
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('initialised nano');
    expect(readdirSync(out).sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      architectures: ['YoutuForCausalLM'],
      vocab_size: 302,
      bos_token_id: 300,
      eos_token_id: 301,
      hidden_size: 128,
    });
    const last = join(tmp(), 'last.json');
    const all = join(tmp(), 'all.json');
    expect(runCli(['logits', '--model', out, '--ids', '300,5,17', '--out', last]).code).toBe(0);
    expect(
      runCli(['logits', '--model', out, '--ids', '300,5,17', '--all-positions', '--out', all]).code,
    ).toBe(0);
    const [a, b] = [JSON.parse(readFileSync(last, 'utf8')), JSON.parse(readFileSync(all, 'utf8'))];
    expect(a.positions).toEqual([2]);
    expect(b.positions).toEqual([0, 1, 2]);
    expect(a.logits[0]).toHaveLength(302);
    expect(b.logits[2]).toEqual(a.logits[0]);
  });

  it.each(['cpu', 'webgpu'])(
    'logits on %s equal the golden fixture’s committed reference logits',
    (backend) => {
      const { ids, logits } = JSON.parse(readFileSync(join(golden, 'golden.json'), 'utf8'));
      const out = join(tmp(), 'golden.json');
      const args = ['--ids', ids.join(','), '--all-positions', '--backend', backend, '--out', out];
      const res = runCli(['logits', '--model', golden, ...args]);
      if (backend === 'webgpu' && res.stderr.includes('BackendError') && !process.env.CI) {
        console.warn(`skipping agentlm logits --backend webgpu: ${res.stderr.trim()}`);
        return;
      }
      expect(res.code, res.stderr).toBe(0);
      const got = JSON.parse(readFileSync(out, 'utf8')).logits as number[][];
      const worst = Math.max(...got.flatMap((row, t) => row.map((v, i) => Math.abs(v - logits[t][i]))));
      expect(worst).toBeLessThan(1e-4);
    },
  );

  it('model init takes a real-sized vocabulary (128,256 ids, as Llama 3 and Youtu-LLM have)', () => {
    const out = join(tmp(), 'nano-128k');
    const res = runCli([
      'model',
      'init',
      '--preset',
      'nano',
      '--tokenizer',
      fakeTokenizer(128_254),
      '--out',
      out,
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('vocab 128256');
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).eos_token_id).toBe(128_255);
  });

  it('rejects bad input with one typed error line', () => {
    const out = join(tmp(), 'x.json');
    const badIds = runCli(['logits', '--model', golden, '--ids', '1,x', '--out', out]);
    expect(badIds.code).toBe(1);
    expect(badIds.stderr).toMatch(
      /^agentlm: ModelInputError \[INPUT\]: --ids must be comma-separated non-negative integers, got "1,x"/,
    );
    const outOfVocab = runCli(['logits', '--model', golden, '--ids', '1,64', '--out', out]);
    expect(outOfVocab.stderr).toMatch(/token id 64 at index 1 is outside the vocabulary \[0, 64\)/);
    const badPreset = runCli(['model', 'init', '--preset', 'huge', '--tokenizer', golden, '--out', out]);
    expect(badPreset.stderr).toMatch(
      /ConfigError \[CONFIG\]: --preset: name must be one of youtu-2b, nano, micro, small, got "huge"/,
    );
  });

  it('model info on a directory without config.json fails with a ConfigError line', () => {
    const dir = tmp();
    const res = runCli(['model', 'info', dir]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^agentlm: ConfigError \[CONFIG\]: .*config\.json: \(file\) cannot be read/);
  });
});
