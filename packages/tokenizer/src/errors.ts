/** Base class of every error @agentlm/tokenizer throws; `code` is stable for programs to match on. */
export class TokenizerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'TokenizerError';
  }
}
