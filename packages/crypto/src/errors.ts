/** Stable codes of every error @x/crypto throws. */
export type CryptoErrorCode =
  | "CRYPTO_INVALID_INPUT"
  | "CRYPTO_INVALID_KEY"
  | "CRYPTO_INVALID_SIGNATURE"
  | "CRYPTO_MALFORMED_CIPHERTEXT"
  | "CRYPTO_MALFORMED_TLS"
  | "CRYPTO_DECRYPTION_FAILED"
  | "CRYPTO_UNSUPPORTED_ALGORITHM";

/**
 * The one error class of @x/crypto. `code` is stable; the message says what was wrong.
 * Nothing here is retryable: the same input fails the same way.
 */
export class CryptoError extends Error {
  override readonly name = "CryptoError";
  readonly code: CryptoErrorCode;
  readonly retryable = false;

  constructor(code: CryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function invalidInput(message: string, cause?: unknown): CryptoError {
  return new CryptoError("CRYPTO_INVALID_INPUT", message, { cause });
}

/** Throws unless `value` is a Uint8Array of `length` bytes (any length when omitted). */
export function assertBytes(
  value: unknown,
  name: string,
  length?: number,
): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw invalidInput(`${name} must be a Uint8Array`);
  }
  if (length !== undefined && value.length !== length) {
    throw invalidInput(`${name} must be ${length} bytes, got ${value.length}`);
  }
}
