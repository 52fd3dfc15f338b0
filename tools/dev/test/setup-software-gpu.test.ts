import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The software-GPU setup script's decisions, exercised without installing anything. */
const script = join(import.meta.dirname, '..', '..', 'setup-software-gpu', 'setup.sh');
const run = (env: Record<string, string>, asUser?: number) => {
  const argv =
    asUser === undefined
      ? ['bash', script]
      : ['setpriv', `--reuid=${asUser}`, '--regid=65534', '--clear-groups', 'bash', script];
  const res = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
};
const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;

describe('setup-software-gpu', () => {
  it('refuses a system that is not Debian with a clear message', () => {
    const osRelease = join(mkdtempSync(join(tmpdir(), 'os-')), 'os-release');
    writeFileSync(osRelease, 'ID=fedora\nVERSION_ID=40\n');
    const res = run({ SETUP_GPU_OS_RELEASE: osRelease, SETUP_GPU_MIN_MESA: '999' });
    expect(res.code).toBe(1);
    expect(res.out).toContain('supports Debian (bookworm) only');
  });

  it.runIf(hasDpkg && process.getuid?.() === 0)('asks for root when it would have to install', () => {
    const dir = mkdtempSync(join(tmpdir(), 'os-'));
    chmodSync(dir, 0o755); // readable by the unprivileged user the script runs as
    const osRelease = join(dir, 'os-release');
    writeFileSync(osRelease, 'ID=debian\nVERSION_CODENAME=bookworm\n', { mode: 0o644 });
    const res = run({ SETUP_GPU_OS_RELEASE: osRelease, SETUP_GPU_MIN_MESA: '999' }, 65534);
    expect(res.code).toBe(1);
    expect(res.out).toContain('must run as root');
  });
});
