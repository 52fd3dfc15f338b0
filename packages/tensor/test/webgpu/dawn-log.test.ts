import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hideDawnNoise } from '../../src/backends/webgpu/dawn-log.js';
import { webgpuOrSkip } from './setup.js';

/**
 * Dawn prints from native code to file descriptor 2, so these run a separate Node process whose stderr is a
 * file, and read what reached it. The child imports the built package (`test` depends on `build`).
 */
const dist = join(import.meta.dirname, '..', '..', 'dist');
const dir = mkdtempSync(join(tmpdir(), 'dawn-log-'));
const WARNING = /artificially reduced/;

/**
 * Runs `source` `times` times in a row with one stderr file, as `{ a; b; } 2>log` (`shared`: one description
 * without O_APPEND, whose offset the runs share) or `2>>log` (`append`); returns the file.
 */
function runChild(
  source: string,
  stderr: 'append' | 'shared',
  env: Record<string, string> = {},
  times = 1,
): string {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(script, source);
  const log = `${script}.stderr`;
  writeFileSync(log, '');
  const fd = openSync(log, stderr === 'append' ? 'a' : 'r+');
  const { AGENTLM_VERBOSE: _, ...inherited } = process.env;
  for (let i = 0; i < times; i++) {
    const res = spawnSync(process.execPath, [script], {
      cwd: dir,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', fd],
      encoding: 'utf8',
    });
    expect(res.status, res.stdout).toBe(0);
  }
  closeSync(fd);
  return readFileSync(log, 'utf8');
}

describe('hideDawnNoise (a test runner relaying its workers)', () => {
  const line = (kind: string) =>
    `Warning: maxDynamic${kind}BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n`;
  it('drops exactly the limit-clamping lines', () => {
    const written: string[] = [];
    const stream = { write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
    hideDawnNoise(stream);
    stream.write(line('Uniform') + line('Storage'));
    stream.write(Buffer.from(`before\n${line('Uniform')}Warning: something else\n`));
    stream.write('plain\n');
    expect(written).toEqual(['before\nWarning: something else\n', 'plain\n']);
  });
});

const gpu = await webgpuOrSkip();

describe.runIf(gpu)('Dawn warnings at WebGPU start', { timeout: 60_000 }, () => {
  const start = `
    import { initBackend } from ${JSON.stringify(join(dist, 'index.js'))};
    process.stderr.write('before\\n');
    const backend = await initBackend('webgpu', process.env.VERBOSE_OPTION ? { verbose: true } : {});
    process.stderr.write('after\\n');
    backend.destroy();
  `;

  it('are not printed by default, and stderr works after the start', () => {
    const out = runChild(start, 'append', {}, 2);
    expect(out).not.toMatch(WARNING);
    expect(out).toBe('before\nafter\nbefore\nafter\n');
  });

  it('leave a stderr whose offset other processes share untouched (nothing the next command overwrites)', () => {
    const out = runChild(start, 'shared', {}, 2);
    expect(out.replace(/^Warning: .*\n/gm, '')).toBe('before\nafter\nbefore\nafter\n');
  });

  it('are printed with AGENTLM_VERBOSE=1 or { verbose: true } when the adapter makes Dawn clamp a limit', () => {
    const env = runChild(start, 'append', { AGENTLM_VERBOSE: '1' });
    const option = runChild(start, 'append', { VERBOSE_OPTION: '1' });
    // Only drivers that over-report the dynamic-buffer limits (lavapipe, RADV) make Dawn warn at all.
    const info = gpu?.device.adapterInfo;
    const warns = /llvmpipe|lavapipe|radv/i.test(`${info?.vendor} ${info?.device} ${info?.description}`);
    if (warns) {
      expect(env).toMatch(WARNING);
      expect(option).toMatch(WARNING);
    }
    expect(env).toMatch(/^before\n[\s\S]*after\n$/);
  });
});
