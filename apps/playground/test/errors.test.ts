import { describe, expect, it } from 'vitest';
import { classifyError } from '../src/errors.js';

const named = (name: string, message: string, code?: string) =>
  Object.assign(new Error(message), { name, ...(code ? { code } : {}) });

describe('classifyError', () => {
  it('recognises device loss, out of memory and quota errors', () => {
    expect(classifyError(named('DeviceError', 'WebGPU device lost (destroyed): gone', 'DEVICE')).kind).toBe(
      'device-lost',
    );
    expect(
      classifyError(named('DeviceError', 'createBuffer of 4096 bytes: out of device memory (oom)', 'DEVICE')),
    ).toEqual({
      kind: 'out-of-memory',
      message: 'DeviceError: createBuffer of 4096 bytes: out of device memory (oom)',
    });
    expect(classifyError(named('CheckpointError', 'too big', 'DEVICE_LIMIT')).kind).toBe('out-of-memory');
    expect(classifyError(new RangeError('Array buffer allocation failed')).kind).toBe('out-of-memory');
    expect(classifyError(named('QuotaExceededError', 'quota')).kind).toBe('quota');
  });

  it('reports typed package errors as input problems and anything else as internal', () => {
    expect(
      classifyError(named('ConfigError', 'config.json: hidden_size must be a positive integer', 'CONFIG')),
    ).toEqual({
      kind: 'input',
      message: 'ConfigError: config.json: hidden_size must be a positive integer',
    });
    expect(classifyError(new TypeError('x is undefined')).kind).toBe('internal');
    expect(classifyError('plain string').message).toBe('plain string');
  });
});
