import { describe, expect, it } from 'vitest';
import { InferenceError } from '../src/index.js';

describe('InferenceError', () => {
  it('carries a stable code and its name', () => {
    const err = new InferenceError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('InferenceError');
    expect(err.code).toBe('BAD');
  });
});
