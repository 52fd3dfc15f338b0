#!/usr/bin/env node
// Prints one closing line for the whole test run, summed over every workspace package's vitest JSON report
// (turbo passes `--reporter=json --outputFile.json=test-results/vitest.json` to each package's `vitest run`).
// Fails when a package that has a test script wrote no report, so a package cannot pass by running nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const dirs = ['packages', 'apps', 'tools']
  .flatMap((group) => readdirSync(join(root, group)).map((name) => join(root, group, name)))
  .concat(join(root, 'docs'))
  .filter((dir) => existsSync(join(dir, 'package.json')));

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (!pkg.scripts?.test) continue;
  const report = join(dir, 'test-results', 'vitest.json');
  if (!existsSync(report)) {
    missing.push(pkg.name);
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  if (r.numTotalTests === 0) missing.push(`${pkg.name} (no tests)`);
}
if (missing.length) console.error(`test-summary: no test report from ${missing.join(', ')}`);
console.log(`vitest: ${passed} passed, ${failed + missing.length} failed, ${skipped} skipped`);
process.exitCode = failed === 0 && missing.length === 0 ? 0 : 1;
