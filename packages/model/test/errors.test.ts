import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/index.js';

describe('ModelError', () => {
  it('carries a stable code and its name', () => {
    const err = new ModelError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ModelError');
    expect(err.code).toBe('BAD');
  });
});
