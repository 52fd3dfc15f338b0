import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetTable } from '../src/index.js';

describe('README', () => {
  it('carries the preset table exactly as presetTable() computes it', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    // the formatter pads table cells, so compare with runs of spaces and dashes collapsed
    const normalise = (text: string) => text.replace(/-{3,}/g, '---').replace(/ +/g, ' ');
    expect(normalise(readme)).toContain(normalise(presetTable()));
  });
});
