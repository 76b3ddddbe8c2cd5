// Typed errors of @x/id. Every code is stable; messages say what happened and what to do.
// The association codes mirror libxmtp's AssociationError variants (association_log.rs).

export type AssociationErrorCode =
  | "ASSOCIATION_MULTIPLE_CREATE"
  | "ASSOCIATION_NOT_CREATED"
  | "ASSOCIATION_MEMBER_NOT_ALLOWED"
  | "ASSOCIATION_MISSING_EXISTING_MEMBER"
  | "ASSOCIATION_LEGACY_SIGNATURE_REUSE"
  | "ASSOCIATION_NEW_MEMBER_ID_SIGNATURE_MISMATCH"
  | "ASSOCIATION_ADD_SELF"
  | "ASSOCIATION_WRONG_INBOX_ID"
  | "ASSOCIATION_SIGNATURE_NOT_ALLOWED"
  | "ASSOCIATION_REPLAY"
  | "ASSOCIATION_CHAIN_ID_MISMATCH"
  | "ASSOCIATION_INVALID_ACCOUNT_ADDRESS";

export type SignatureErrorCode =
  /** The signature does not verify, or verifies for someone else. */
  | "SIGNATURE_INVALID"
  /** Wrong length, bad encoding, out-of-range scalars. */
  | "SIGNATURE_MALFORMED"
  | "SIGNATURE_INVALID_PUBLIC_KEY"
  | "SIGNATURE_INVALID_CLIENT_DATA"
  | "SIGNATURE_MALFORMED_LEGACY_KEY"
  | "SIGNATURE_INVALID_ACCOUNT_ID"
  /** The smart-contract-wallet verifier could not answer (RPC or node failure). */
  | "SIGNATURE_VERIFIER_FAILED"
  | "SIGNATURE_NO_VERIFIER";

export type DeserializationErrorCode =
  | "DESERIALIZATION_MISSING_FIELD"
  | "DESERIALIZATION_INVALID_VALUE"
  | "DESERIALIZATION_DECODE_FAILED";

export type SignatureRequestErrorCode =
  | "SIGNATURE_REQUEST_UNKNOWN_SIGNER"
  | "SIGNATURE_REQUEST_MISSING_SIGNER"
  | "SIGNATURE_REQUEST_BLOCK_NUMBER"
  | "SIGNATURE_REQUEST_BAD_SIGNER";

export type IdentifierErrorCode =
  | "IDENTIFIER_INVALID_ADDRESS"
  | "IDENTIFIER_INVALID_PASSKEY"
  | "IDENTIFIER_INVALID_NONCE";

export type IdentityErrorCode =
  | AssociationErrorCode
  | SignatureErrorCode
  | DeserializationErrorCode
  | SignatureRequestErrorCode
  | IdentifierErrorCode;

/** Base class of every error @x/id throws. */
export class IdentityError extends Error {
  override name = "IdentityError";
  readonly code: IdentityErrorCode;
  /** True only when the same call may succeed later (a verifier's RPC failed). */
  readonly retryable: boolean;

  constructor(
    code: IdentityErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** An identity update breaks a rule of the association state machine. Never retryable. */
export class AssociationError extends IdentityError {
  override name = "AssociationError";
  declare readonly code: AssociationErrorCode;
  constructor(code: AssociationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A signature cannot be verified, or the verifier failed. */
export class SignatureError extends IdentityError {
  override name = "SignatureError";
  declare readonly code: SignatureErrorCode;
  constructor(
    code: SignatureErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(code, message, options);
  }
}

/** A protobuf identity message is incomplete or holds an invalid value. Never retryable. */
export class DeserializationError extends IdentityError {
  override name = "DeserializationError";
  declare readonly code: DeserializationErrorCode;
  constructor(code: DeserializationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A signature request was used wrongly (unknown signer, signatures missing). */
export class SignatureRequestError extends IdentityError {
  override name = "SignatureRequestError";
  declare readonly code: SignatureRequestErrorCode;
  constructor(code: SignatureRequestErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** An identifier (address, passkey key) is malformed. */
export class IdentifierError extends IdentityError {
  override name = "IdentifierError";
  declare readonly code: IdentifierErrorCode;
  constructor(code: IdentifierErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
