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

/** Shapes or dtypes that an op cannot accept; the message names the op, the shapes and the dtypes. */
export class ShapeError extends TensorError {
  constructor(message: string) {
    super(message, 'SHAPE');
    this.name = 'ShapeError';
  }
}

/** The device was lost or an allocation failed; the message says what was requested and the limit. */
export class DeviceError extends TensorError {
  constructor(message: string) {
    super(message, 'DEVICE');
    this.name = 'DeviceError';
  }
}

/** A backend could not be loaded or does not support what was asked (e.g. no WebGPU adapter). */
export class BackendError extends TensorError {
  constructor(message: string) {
    super(message, 'BACKEND');
    this.name = 'BackendError';
  }
}

/** A disposed tensor was used, or a tensor was used outside what its state allows. */
export class DisposedError extends TensorError {
  constructor(message: string) {
    super(message, 'DISPOSED');
    this.name = 'DisposedError';
  }
}
