import { describe, expect, it } from 'vitest';
import { SynthError } from '../src/index.js';

describe('SynthError', () => {
  it('carries a stable code and its name', () => {
    const err = new SynthError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('SynthError');
    expect(err.code).toBe('BAD');
  });
});
