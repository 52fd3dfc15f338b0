import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, '..', 'new-package.mjs');

describe('new-package', () => {
  it('scaffolds a package with the workspace conventions', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'newpkg-'));
    const res = spawnSync(process.execPath, [script, 'widgets', 'Widgets for tests.'], {
      cwd,
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    const pkg = JSON.parse(readFileSync(join(cwd, 'packages/widgets/package.json'), 'utf8'));
    expect(pkg.name).toBe('@agentlm/widgets');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toContain('dist');
    expect(readFileSync(join(cwd, 'packages/widgets/src/errors.ts'), 'utf8')).toContain('class WidgetsError');
    expect(existsSync(join(cwd, 'packages/widgets/test/errors.test.ts'))).toBe(true);
  });

  it('refuses bad names and existing packages', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'newpkg-'));
    expect(spawnSync(process.execPath, [script, 'Bad Name', 'x'], { cwd }).status).toBe(2);
    expect(spawnSync(process.execPath, [script, 'ok', 'x'], { cwd }).status).toBe(0);
    expect(spawnSync(process.execPath, [script, 'ok', 'x'], { cwd }).status).toBe(1);
  });
});
