/** Base class of every error @agentlm/trainer throws; `code` is stable for programs to match on. */
export class TrainerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'TrainerError';
  }
}
