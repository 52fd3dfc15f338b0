import { describe, expect, it } from 'vitest';
import { formatError } from '../src/report.js';

class FakeConfigError extends Error {
  readonly code = 'CONFIG_FIELD';
  override name = 'ConfigError';
}

describe('formatError', () => {
  it('prints typed errors as one line with name and code', () => {
    const line = formatError(new FakeConfigError('config.json: kv_lora_rank must be > 0, got -1'), false);
    expect(line).toBe('agentlm: ConfigError [CONFIG_FIELD]: config.json: kv_lora_rank must be > 0, got -1');
    expect(line.split('\n')).toHaveLength(1);
  });

  it('adds the stack only when verbose', () => {
    const err = new Error('boom');
    expect(formatError(err, true)).toContain('at ');
    expect(formatError(err, false)).toBe('agentlm: Error: boom');
  });
});
