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

/** A tokenizer.json / tokenizer_config.json that is malformed or uses an unsupported feature. */
export class TokenizerFormatError extends TokenizerError {
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field} ${detail}`, 'TOKENIZER_FORMAT');
    this.name = 'TokenizerFormatError';
  }
}

/** A token id that does not exist in the vocabulary. */
export class TokenIdError extends TokenizerError {
  constructor(
    readonly id: number,
    readonly vocabSize: number,
  ) {
    super(`token id ${id} is out of range: the vocabulary has ids 0..${vocabSize - 1}`, 'TOKEN_ID_RANGE');
    this.name = 'TokenIdError';
  }
}

/** A training corpus file that cannot be read or parsed. */
export class CorpusError extends TokenizerError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`, 'CORPUS');
    this.name = 'CorpusError';
  }
}

/** Options of the trainer, the chat renderer or the CLI that make no sense. */
export class TokenizerOptionError extends TokenizerError {
  constructor(
    readonly option: string,
    detail: string,
  ) {
    super(`${option} ${detail}`, 'TOKENIZER_OPTION');
    this.name = 'TokenizerOptionError';
  }
}
