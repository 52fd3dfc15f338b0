/** Base class of every error @agentlm/model throws; `code` is stable for programs to match on. */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** A config.json field is missing, of the wrong type or out of range; the message names file, field and value. */
export class ConfigError extends ModelError {
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(`${file}: ${field} ${message}`, 'CONFIG');
    this.name = 'ConfigError';
  }
}

/**
 * A checkpoint is malformed or does not match the model: bad safetensors header, unknown dtype, missing or
 * extra tensors, wrong shapes. `file` and `tensor` name what is at fault when known.
 */
export class CheckpointError extends ModelError {
  constructor(
    message: string,
    readonly file: string,
    readonly tensor: string | null = null,
    code = 'CHECKPOINT',
  ) {
    super(`${file}${tensor === null ? '' : ` [${tensor}]`}: ${message}`, code);
    this.name = 'CheckpointError';
  }
}

/** The model was called with inputs it cannot take (ids out of range, a cache of the wrong shape, ...). */
export class ModelInputError extends ModelError {
  constructor(message: string) {
    super(message, 'INPUT');
    this.name = 'ModelInputError';
  }
}

/**
 * A model could not be fetched by URL: `code` `NOT_FOUND` (config.json missing: not a model folder),
 * `NOT_HF_LAYOUT` (neither model.safetensors nor model.safetensors.index.json), `MISSING_SHARD`, `INDEX` (an
 * index that does not parse), `HTTP` (any other status), `NETWORK` (no answer after the retries), `TRUNCATED`
 * (fewer or more bytes than announced), `OFFLINE` (unreachable and not in the cache), `URL` (not an http(s) URL). `url` is the file's URL,
 * `status` the HTTP status when there was one.
 */
export class RemoteModelError extends ModelError {
  constructor(
    message: string,
    readonly url: string,
    readonly file: string,
    readonly status: number | null,
    code: string,
  ) {
    super(`${url}: ${message}`, code);
    this.name = 'RemoteModelError';
  }
}
