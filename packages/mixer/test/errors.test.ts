import { describe, expect, it } from 'vitest';
import { MixerError } from '../src/index.js';

describe('MixerError', () => {
  it('carries a stable code and its name', () => {
    const err = new MixerError('bad thing', 'BAD');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('MixerError');
    expect(err.code).toBe('BAD');
  });
});
