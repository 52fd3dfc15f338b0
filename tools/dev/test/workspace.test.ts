import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Workspace invariants: every package is tested and publishable, and dependencies point one way. */
const root = join(import.meta.dirname, '..', '..', '..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const dirsOf = (group: string) =>
  readdirSync(join(root, group))
    .map((name) => join(root, group, name))
    .filter((dir) => existsSync(join(dir, 'package.json')));
const workspace = [...dirsOf('packages'), ...dirsOf('apps'), ...dirsOf('tools'), join(root, 'docs')];
const libraries = dirsOf('packages');

/** What each library may depend on inside the workspace (ARCHITECTURE.md). */
const allowed: Record<string, string[]> = {
  '@agentlm/tokenizer': [],
  '@agentlm/tensor': [],
  '@agentlm/model': ['@agentlm/tensor'],
  '@agentlm/mixer': ['@agentlm/tokenizer'],
  '@agentlm/synth': ['@agentlm/tokenizer'],
  '@agentlm/inference': ['@agentlm/tensor', '@agentlm/model', '@agentlm/tokenizer'],
  '@agentlm/trainer': [
    '@agentlm/tensor',
    '@agentlm/model',
    '@agentlm/tokenizer',
    '@agentlm/mixer',
    '@agentlm/synth',
    '@agentlm/inference',
  ],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|tsx|mts)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe.each(workspace.map((dir) => [dir.slice(root.length + 1), dir]))('%s', (_name, dir) => {
  const pkg = readJson(join(dir, 'package.json'));

  it('has a test script and at least one test file', () => {
    expect(pkg.scripts?.test).toBeTruthy();
    const testDir = join(dir, 'test');
    expect(existsSync(testDir) && sourceFiles(testDir).some((f) => f.endsWith('.test.ts'))).toBe(true);
  });

  it('has a README', () => {
    expect(existsSync(join(dir, 'README.md')) || dir.endsWith('docs')).toBe(true);
  });
});

describe.each(libraries.map((dir) => [readJson(join(dir, 'package.json')).name as string, dir]))(
  '%s is publishable and points one way',
  (name, dir) => {
    const pkg = readJson(join(dir, 'package.json'));

    it('declares ESM + types exports, files, sideEffects, engines and license', () => {
      expect(pkg.type).toBe('module');
      expect(pkg.exports['.']).toMatchObject({ types: './dist/index.d.ts', import: './dist/index.js' });
      expect(pkg.files).toContain('dist');
      expect(pkg.sideEffects).toBe(false);
      expect(pkg.engines.node).toBe('>=20.19');
      expect(pkg.license).toBe('Apache-2.0');
    });

    it('depends only on the packages below it', () => {
      const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).filter((d) =>
        d.startsWith('@agentlm/'),
      );
      expect(deps.filter((d) => !allowed[name].includes(d))).toEqual([]);
    });

    it('imports only declared @agentlm packages from its sources', () => {
      const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }));
      const imported = new Set<string>();
      for (const file of sourceFiles(join(dir, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/from\s+'(@agentlm\/[a-z-]+)/g))
          imported.add(m[1]);
      }
      expect([...imported].filter((d) => !declared.has(d))).toEqual([]);
    });
  },
);
