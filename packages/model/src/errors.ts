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
