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
