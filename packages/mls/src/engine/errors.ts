// Typed errors of the MLS engine. Every error has a stable `code`, says what happened and what to
// do, carries the underlying ts-mls or decoding error as `cause`, and says whether retrying the
// same call later can succeed. No engine error ever leaves a group state half-changed: states are
// immutable values and a failed call returns none.

export type MlsEngineErrorCode =
  // Key packages (ours or fetched ones)
  | "MLS_KEY_PACKAGE_MALFORMED"
  | "MLS_KEY_PACKAGE_INVALID"
  | "MLS_KEY_PACKAGE_LIFETIME"
  | "MLS_KEY_PACKAGE_CREDENTIAL"
  // XMTP group-context extensions and the application envelope
  | "MLS_EXTENSION_MALFORMED"
  | "MLS_EXTENSION_MISSING"
  | "MLS_ENVELOPE_MALFORMED"
  // Incoming group messages
  | "MLS_MESSAGE_MALFORMED"
  | "MLS_WRONG_GROUP"
  | "MLS_EPOCH_TOO_OLD"
  | "MLS_EPOCH_IN_FUTURE"
  | "MLS_STALE_COMMIT"
  | "MLS_MESSAGE_REJECTED"
  // Welcomes
  | "MLS_WELCOME_MALFORMED"
  | "MLS_WELCOME_DECRYPT_FAILED"
  | "MLS_WELCOME_NOT_FOR_US"
  | "MLS_WELCOME_INVALID"
  | "MLS_WELCOME_POINTER_INVALID"
  // Local operations
  | "MLS_INVALID_ARGUMENT"
  | "MLS_GROUP_INACTIVE"
  | "MLS_OPERATION_FAILED"
  // Stored group state
  | "MLS_STATE_MALFORMED";

export class MlsEngineError extends Error {
  override name = "MlsEngineError";
  readonly code: MlsEngineErrorCode;
  /** True when the same call may succeed later (for example after syncing the group). */
  readonly retryable: boolean;

  constructor(
    code: MlsEngineErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A key package could not be built, parsed or validated. */
export class KeyPackageError extends MlsEngineError {
  override name = "KeyPackageError";
}

/** An XMTP group-context extension (or the envelope inside an application message) is bad. */
export class ExtensionError extends MlsEngineError {
  override name = "ExtensionError";
}

/** An incoming group message could not be processed; the group state is unchanged. */
export class MessageProcessingError extends MlsEngineError {
  override name = "MessageProcessingError";
}

/** A welcome could not be unwrapped or joined. */
export class WelcomeError extends MlsEngineError {
  override name = "WelcomeError";
}

/** A local group operation was asked for something impossible, or ts-mls refused it. */
export class GroupOperationError extends MlsEngineError {
  override name = "GroupOperationError";
}

/** Stored group-state bytes could not be read. */
export class GroupStateError extends MlsEngineError {
  override name = "GroupStateError";
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
