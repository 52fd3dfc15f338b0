import { describe, expect, it } from 'vitest';
import { Sandbox, type SandboxResult } from '../src/index.js';
import { HOSTILE_PROGRAMS } from './hostile-programs.js';

const MAX_OUTPUT = 200;
// Programs expected to end otherwise get a budget far above what they need even on a loaded machine,
// so that only a program meant to run forever can time out.
const patient = await Sandbox.create({ timeoutMs: 20_000, memoryBytes: 8 << 20, maxOutputChars: MAX_OUTPUT });
const quick = await Sandbox.create({ timeoutMs: 50, memoryBytes: 8 << 20, maxOutputChars: MAX_OUTPUT });

/** What a result says, in the shape of an expectation. */
const outcome = (r: SandboxResult) => (r.ok ? { value: r.value } : { failure: r.failure });

describe('hostile programs', () => {
  it('lists at least 50 programs with distinct names', () => {
    expect(HOSTILE_PROGRAMS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(HOSTILE_PROGRAMS.map((p) => p.name)).size).toBe(HOSTILE_PROGRAMS.length);
  });

  for (const program of HOSTILE_PROGRAMS) {
    it(program.name, () => {
      const sandbox = 'failure' in program.expect && program.expect.failure === 'timeout' ? quick : patient;
      const r = sandbox.run(program.code);
      expect(r.stdout.length).toBeLessThanOrEqual(MAX_OUTPUT + 1);
      if ('value' in program.expect) {
        expect(r).toMatchObject({ ok: true, timedOut: false });
        expect(r.value).toEqual(program.expect.value);
        return;
      }
      expect(outcome(r)).toEqual({ failure: program.expect.failure });
      expect(r.ok).toBe(false);
      expect(r.timedOut).toBe(program.expect.failure === 'timeout');
      expect(r.error).toMatch(program.expect.error ?? /\S/);
      // The next run starts clean whatever the last one did.
      expect(patient.run('[1, 2, 3].map((x) => x * 2)')).toMatchObject({ ok: true, value: [2, 4, 6] });
    }, 60_000);
  }
});
