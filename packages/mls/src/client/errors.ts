// Typed errors of the client. Every error has a stable `code`, says what happened and what to do,
// carries the underlying error as `cause`, and says whether the same call may succeed later.

export type ClientErrorCode =
  | "CLIENT_INVALID_ARGUMENT"
  | "CLIENT_STREAM_FAILED"
  | "CLIENT_NOT_REGISTERED"
  | "CLIENT_IDENTITY_MISMATCH"
  | "CLIENT_INSTALLATION_LIMIT"
  | "CLIENT_INBOX_NOT_FOUND"
  | "CLIENT_NO_KEY_PACKAGE"
  | "CLIENT_CONVERSATION_NOT_FOUND"
  | "CLIENT_GROUP_INACTIVE"
  | "CLIENT_INTENT_FAILED"
  | "CLIENT_COMMIT_INVALID"
  | "CLIENT_NOT_PERMITTED"
  | "CLIENT_WELCOME_INVALID"
  | "CLIENT_IDENTITY_INVALID"
  | "CLIENT_IDENTIFIER_TAKEN"
  | "CLIENT_RECOVERY_SIGNER_REQUIRED"
  | "CLIENT_WELCOME_SEND_FAILED"
  | "CLIENT_WELCOME_POINTEE_NOT_FOUND"
  | "CLIENT_INSTALLATION_NOT_IN_INBOX"
  | "CLIENT_DB_RELEASED"
  | "CLIENT_CLOSED"
  | "CLIENT_LEAVE_REFUSED"
  | "CLIENT_NOT_DELETABLE"
  | "CLIENT_DEVICE_SYNC_DISABLED"
  | "CLIENT_HISTORY_SERVER"
  // Archives (sync/archive/errors.ts: ArchiveError).
  | "ARCHIVE_INVALID_KEY_LENGTH"
  | "ARCHIVE_TRUNCATED"
  | "ARCHIVE_BAD_KEY"
  | "ARCHIVE_CORRUPT"
  | "ARCHIVE_MISSING_METADATA"
  | "ARCHIVE_TOO_LARGE";

export class ClientError extends Error {
  override name = "ClientError";
  readonly code: ClientErrorCode;
  readonly retryable: boolean;

  constructor(
    code: ClientErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A commit from another member broke XMTP's rules; it was not applied. */
export class CommitValidationError extends ClientError {
  override name = "CommitValidationError";
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("CLIENT_COMMIT_INVALID", message, options);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
