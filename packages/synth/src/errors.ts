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
