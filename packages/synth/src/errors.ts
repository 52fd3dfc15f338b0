/** Base class of every error @agentlm/synth throws; `code` is stable for programs to match on. */
export class SynthError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'SynthError';
  }
}

/** An option or argument with a bad value: the message names the option and the value. */
export class SynthOptionError extends SynthError {
  constructor(option: string, value: unknown, expected: string) {
    super(`${option}: expected ${expected}, got ${JSON.stringify(value)}`, 'SYNTH_OPTION');
    this.name = 'SynthOptionError';
  }
}

/** A trajectory shard that cannot be read: names the file and, for JSONL, the line. */
export class ShardError extends SynthError {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`, 'SYNTH_SHARD');
    this.name = 'ShardError';
  }
}

/** The OpenAI-compatible teacher failed after its retries (HTTP status, timeout, malformed reply). */
export class TeacherError extends SynthError {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message, 'SYNTH_TEACHER');
    this.name = 'TeacherError';
  }
}

/** The QuickJS sandbox could not be started (its worker thread or the wasm module failed to load). */
export class SandboxError extends SynthError {
  constructor(message: string) {
    super(message, 'SYNTH_SANDBOX');
    this.name = 'SandboxError';
  }
}
