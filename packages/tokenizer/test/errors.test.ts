import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../src/index.js';

describe('TokenizerError', () => {
  it('carries a stable code and its name', () => {
    const err = new TokenizerError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TokenizerError');
    expect(err.code).toBe('BAD');
  });
});
