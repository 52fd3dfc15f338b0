import { describe, expect, it } from 'vitest';
import { TensorError } from '../src/index.js';

describe('TensorError', () => {
  it('carries a stable code and its name', () => {
    const err = new TensorError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TensorError');
    expect(err.code).toBe('BAD');
  });
});
