import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The software-GPU setup script's decisions, exercised without installing anything. */
const script = join(import.meta.dirname, '..', '..', 'setup-software-gpu', 'setup.sh');
/** A world-readable folder (mode 755) the unprivileged user can enter, wherever the repo is cloned. */
const worldReadableDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'setup-gpu-'));
  chmodSync(dir, 0o755);
  return dir;
};
/**
 * The script as another user sees it: a clone under a private directory (root's mode-700 home, a
 * `mktemp -d` folder) is out of that user's reach, so the unprivileged run gets a world-readable copy.
 */
const scriptFor = (asUser?: number) => {
  if (asUser === undefined) return script;
  const copy = join(worldReadableDir(), 'setup.sh');
  copyFileSync(script, copy);
  chmodSync(copy, 0o644);
  return copy;
};
const run = (env: Record<string, string>, asUser?: number) => {
  const argv =
    asUser === undefined
      ? ['bash', scriptFor()]
      : ['setpriv', `--reuid=${asUser}`, '--regid=65534', '--clear-groups', 'bash', scriptFor(asUser)];
  // cwd: the other user may not be able to enter the clone either.
  const res = spawnSync(argv[0], argv.slice(1), {
    cwd: tmpdir(),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
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
    const dir = worldReadableDir(); // readable by the unprivileged user the script runs as
    const osRelease = join(dir, 'os-release');
    writeFileSync(osRelease, 'ID=debian\nVERSION_CODENAME=bookworm\n', { mode: 0o644 });
    const res = run({ SETUP_GPU_OS_RELEASE: osRelease, SETUP_GPU_MIN_MESA: '999' }, 65534);
    expect(res.code).toBe(1);
    expect(res.out).toContain('must run as root');
  });
});
