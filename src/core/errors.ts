/**
 * Typed errors of the trtx core. The CLI maps them to exit codes in one place (src/cli/exit-codes.ts);
 * the core never prints or exits.
 */

/** A failure caused by the user's input or environment: a one-line message, no stack trace. */
export class TrtxError extends Error {
  override name = "TrtxError";
  /** What would fix it, shown after the message. */
  readonly hint: string | undefined;
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Bad flags or arguments (exit 2). */
export class UsageError extends TrtxError {
  override name = "UsageError";
}

/** A file that is missing, unreadable, or of the wrong kind. */
export class FileError extends TrtxError {
  override name = "FileError";
}

/** A data file (.npy, TensorProto .pb, raw .bin, JSON inputs, an image) whose contents are not what its format says. */
export class DataFormatError extends TrtxError {
  override name = "DataFormatError";
}

/** A file that claims to be an ONNX model but cannot be read as one. */
export class ModelFormatError extends TrtxError {
  override name = "ModelFormatError";
}

/** An execution provider that was asked for explicitly and could not be loaded. */
export class ProviderUnavailableError extends TrtxError {
  override name = "ProviderUnavailableError";
}

/** A check that ran and failed: accuracy, regression, validation (exit 3). */
export class CheckFailedError extends TrtxError {
  override name = "CheckFailedError";
}
