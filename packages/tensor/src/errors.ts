/** Base class of every error @agentlm/tensor throws; `code` is stable for programs to match on. */
export class TensorError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'TensorError';
  }
}
