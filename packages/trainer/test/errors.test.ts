import { describe, expect, it } from 'vitest';
import { TrainerError } from '../src/index.js';

describe('TrainerError', () => {
  it('carries a stable code and its name', () => {
    const err = new TrainerError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TrainerError');
    expect(err.code).toBe('BAD');
  });
});
