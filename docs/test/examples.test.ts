import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packages } from '../.vitepress/packages.js';

/**
 * Every code example in the docs is a real file under docs/examples/<package>/ and runs here, so the docs
 * cannot rot: an example that throws or exits non-zero fails the suite. Each package must have at least one.
 */
const docsRoot = join(import.meta.dirname, '..');
const examplesRoot = join(docsRoot, 'examples');

describe.each(packages.map((p) => [p.title, p.name]))('examples of %s', (_title, name) => {
  const dir = join(examplesRoot, name);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .sort()
    : [];

  it('has at least one example', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s runs and exits 0', (file) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], {
      cwd: docsRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (res.status !== 0) console.error(res.stdout, res.stderr);
    expect(res.status).toBe(0);
    expect(res.stdout.trim().length).toBeGreaterThan(0);
  });
});
