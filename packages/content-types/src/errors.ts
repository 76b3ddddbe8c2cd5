// Typed errors. Every error has a stable `code`. Nothing here is retryable: the same input fails
// the same way every time, so `retryable` is always false.

export type ContentTypesErrorCode =
  | "CONTENT_TYPE_INVALID"
  | "CONTENT_TYPE_MISMATCH"
  | "CONTENT_ENCODE_FAILED"
  | "CONTENT_DECODE_FAILED"
  | "CONTENT_DECOMPRESSION_FAILED"
  | "CONTENT_TOO_LARGE"
  | "ATTACHMENT_DIGEST_MISMATCH"
  | "ATTACHMENT_DECRYPTION_FAILED";

/** Base class of every error @x/content-types throws. */
export class ContentTypesError extends Error {
  readonly code: ContentTypesErrorCode;
  readonly retryable = false;

  constructor(code: ContentTypesErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A content type string or id is malformed (see `contentTypeFromString`). */
export class InvalidContentTypeError extends ContentTypesError {
  constructor(message: string) {
    super("CONTENT_TYPE_INVALID", message);
  }
}

/** A value cannot be encoded by its codec (for example an Actions message with no actions). */
export class ContentEncodeError extends ContentTypesError {
  constructor(message: string, cause?: unknown) {
    super("CONTENT_ENCODE_FAILED", message, { cause });
  }
}

/** Bytes or an EncodedContent cannot be decoded: malformed protobuf, JSON, UTF-8 or parameters. */
export class ContentDecodeError extends ContentTypesError {
  constructor(
    message: string,
    cause?: unknown,
    code: ContentTypesErrorCode = "CONTENT_DECODE_FAILED",
  ) {
    super(code, message, { cause });
  }
}

/** A codec was handed EncodedContent of another content type (or another major version). */
export class ContentTypeMismatchError extends ContentDecodeError {
  constructor(message: string) {
    super(message, undefined, "CONTENT_TYPE_MISMATCH");
  }
}

/**
 * Compressed content is corrupt, uses an unknown algorithm, or inflates past the size limit
 * (`code` is CONTENT_TOO_LARGE then).
 */
export class DecompressionError extends ContentDecodeError {
  constructor(message: string, options?: { cause?: unknown; tooLarge?: boolean }) {
    super(
      message,
      options?.cause,
      options?.tooLarge ? "CONTENT_TOO_LARGE" : "CONTENT_DECOMPRESSION_FAILED",
    );
  }
}

/** The downloaded payload of a remote attachment does not hash to its contentDigest. */
export class AttachmentDigestMismatchError extends ContentDecodeError {
  constructor(expected: string, actual: string) {
    super(
      `remote attachment payload has SHA-256 ${actual} but the message says ${expected}; ` +
        "the download is corrupt or was replaced: fetch it again or discard it",
      undefined,
      "ATTACHMENT_DIGEST_MISMATCH",
    );
  }
}

/** A remote attachment payload does not decrypt with the secret, salt and nonce given. */
export class AttachmentDecryptionError extends ContentDecodeError {
  constructor(message: string, cause?: unknown) {
    super(message, cause, "ATTACHMENT_DECRYPTION_FAILED");
  }
}
