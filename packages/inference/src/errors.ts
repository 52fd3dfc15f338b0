/** Base class of every error @agentlm/inference throws; `code` is stable for programs to match on. */
export class InferenceError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}

/** A sampling or generation option is out of range: names the option and the value. */
export class SamplingOptionError extends InferenceError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    requirement: string,
  ) {
    super(`${option} ${requirement}, got ${JSON.stringify(value)}`, 'SAMPLING_OPTION');
    this.name = 'SamplingOptionError';
  }
}

/** A prompt, token id or context length the loaded model cannot take. */
export class PromptError extends InferenceError {
  constructor(message: string) {
    super(message, 'PROMPT');
    this.name = 'PromptError';
  }
}

/** The latent KV cache cannot grow (capacity or memory) or was used after disposal. */
export class CacheError extends InferenceError {
  constructor(message: string) {
    super(message, 'CACHE');
    this.name = 'CacheError';
  }
}

/** A tool is registered twice, has an invalid schema, or is unknown. */
export class ToolError extends InferenceError {
  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(`tool ${JSON.stringify(tool)}: ${message}`, 'TOOL');
    this.name = 'ToolError';
  }
}

/**
 * A tool manifest (`tools.json`) is malformed or names an implementation this environment lacks: names
 * the file, the field (`tools[2].implementation.source`; empty for the file as a whole) and the problem.
 */
export class ToolManifestError extends InferenceError {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field === '' ? '' : `${field} `}${problem}`, 'TOOL_MANIFEST');
    this.name = 'ToolManifestError';
  }
}

/** The request queue is full; the server answers 429. */
export class QueueFullError extends InferenceError {
  constructor(readonly limit: number) {
    super(`request queue is full (${limit} requests waiting for a running slot); retry later`, 'QUEUE_FULL');
    this.name = 'QueueFullError';
  }
}

/** The scheduler was closed (server shutting down) before the work could start. */
export class ShutdownError extends InferenceError {
  constructor() {
    super('the engine is shutting down and takes no new work', 'SHUTDOWN');
    this.name = 'ShutdownError';
  }
}

/** An HTTP request the server rejects: `status` is the HTTP status, `param` the offending field. */
export class RequestError extends InferenceError {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    code = 'INVALID_REQUEST',
  ) {
    super(message, code);
    this.name = 'RequestError';
  }
}

/** A model directory lacks what a command needs (tokenizer files, weights). */
export class ModelDirError extends InferenceError {
  constructor(
    readonly dir: string,
    message: string,
  ) {
    super(`${dir}: ${message}`, 'MODEL_DIR');
    this.name = 'ModelDirError';
  }
}
