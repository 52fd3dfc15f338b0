/** Base class of every error @agentlm/mixer throws; `code` is stable for programs to match on. */
export class MixerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MixerError';
  }
}

/** A curriculum config that fails validation; the message names the file and the path of every bad field. */
export class MixerConfigError extends MixerError {
  constructor(message: string) {
    super(message, 'MIXER_CONFIG');
    this.name = 'MixerConfigError';
  }
}

/** Data a source cannot read: a missing file, a malformed JSONL line or parquet row (`file:line: why`). */
export class MixerSourceError extends MixerError {
  constructor(
    message: string,
    readonly location?: string,
  ) {
    super(location ? `${location}: ${message}` : message, 'MIXER_SOURCE');
    this.name = 'MixerSourceError';
  }
}

/** A shard, index or state file that is corrupt or does not match the run it is used with. */
export class MixerFormatError extends MixerError {
  constructor(message: string) {
    super(message, 'MIXER_FORMAT');
    this.name = 'MixerFormatError';
  }
}
