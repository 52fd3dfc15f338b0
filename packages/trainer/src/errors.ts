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

/** A training config file (or option object) is invalid: names the file, the field and the value. */
export class TrainConfigError extends TrainerError {
  constructor(message: string) {
    super(message, 'TRAIN_CONFIG');
    this.name = 'TrainConfigError';
  }
}

/** A checkpoint directory is missing, incomplete or fails its sha256 manifest. */
export class CheckpointIntegrityError extends TrainerError {
  constructor(message: string) {
    super(message, 'CHECKPOINT_INTEGRITY');
    this.name = 'CheckpointIntegrityError';
  }
}

/** The loss or the gradients went NaN/Inf and the guard policy is `stop`. */
export class NonFiniteError extends TrainerError {
  constructor(
    message: string,
    readonly step: number,
  ) {
    super(message, 'NON_FINITE');
    this.name = 'NonFiniteError';
  }
}

/** The run would not fit in memory: the message carries the estimate and what to reduce. */
export class TrainerMemoryError extends TrainerError {
  constructor(message: string) {
    super(message, 'OUT_OF_MEMORY');
    this.name = 'TrainerMemoryError';
  }
}
