#!/usr/bin/env node
// Packed-install smoke test: packs every publishable package with `pnpm pack` (which rewrites
// workspace: ranges to real versions), installs all tarballs into an empty npm project outside the
// workspace, and imports each package there, checking that its exports are non-empty. A broken exports
// map, a file missing from `files`, or a dependency only the workspace provides fails here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const publishable = ['packages', 'apps']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .filter((dir) => {
    try {
      return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
    } catch {
      return false;
    }
  });

const work = mkdtempSync(join(tmpdir(), 'agentlm-pack-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
const names = [];
try {
  for (const dir of publishable) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    names.push(pkg);
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'smoke', private: true, type: 'module' }),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], {
    cwd: project,
    stdio: 'inherit',
  });
  let passed = 0;
  let failed = 0;
  for (const pkg of names) {
    const check = pkg.bin
      ? `node_modules/.bin/${Object.keys(pkg.bin)[0]} --help`
      : `node -e "const m = await import('${pkg.name}'); const n = Object.keys(m).length; if (!n) throw new Error('no exports'); console.log('${pkg.name}: ' + n + ' exports')" --input-type=module`;
    try {
      execFileSync('sh', ['-c', check], {
        cwd: project,
        stdio: ['ignore', pkg.bin ? 'ignore' : 'inherit', 'inherit'],
      });
      if (pkg.bin) console.log(`${pkg.name}: bin ${Object.keys(pkg.bin)[0]} runs`);
      passed++;
    } catch {
      console.error(`FAIL ${pkg.name}: the packed tarball does not import/run in a fresh npm project`);
      failed++;
    }
  }
  console.log(`pack-smoke: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed === names.length ? 0 : 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
