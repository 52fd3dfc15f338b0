import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetTable } from '../src/index.js';

describe('README', () => {
  it('carries the preset table exactly as presetTable() computes it', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(presetTable());
  });
});
