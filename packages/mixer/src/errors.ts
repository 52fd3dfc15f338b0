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
