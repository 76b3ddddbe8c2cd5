// The SDK's own typed errors. Everything the layers below throw passes through unchanged, with
// its stable code (ClientError's CLIENT_*, ApiError's api.*, the db's db.*, ...): they are
// re-exported from index.ts so that `instanceof` and `code` checks work against @x/sdk alone.
import { ClientError } from "@x/mls";

export type SdkErrorCode =
  /** An option of Client.create / Client.build (or of a static function) is wrong. */
  | "SDK_INVALID_OPTION"
  /** The signer is not a node-sdk signer or a viem account, or returned something unusable. */
  | "SDK_INVALID_SIGNER"
  /** An identifier is not `{ identifier, identifierKind }` with a valid address or passkey. */
  | "SDK_INVALID_IDENTIFIER"
  /** An argument of a method is wrong. */
  | "SDK_INVALID_ARGUMENT"
  /** node-sdk has it, @x/mls does not (yet): see the README's migration table. */
  | "SDK_NOT_SUPPORTED"
  /** disableAutoRegister: the client is not registered yet; call `client.register()`. */
  | "SDK_NOT_REGISTERED"
  /** A client made with Client.build has no signer for operations that need a signature. */
  | "SDK_SIGNER_UNAVAILABLE"
  /** refuseNewInstallation: the database holds no installation and the inbox has some. */
  | "SDK_NEW_INSTALLATION_REFUSED";

export class SdkError extends Error {
  override name = "SdkError";
  readonly code: SdkErrorCode;
  readonly retryable = false;

  constructor(code: SdkErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/**
 * A stream that gave up (its retries ran out, or `retryOnFail: false`), node-sdk's name. It is a
 * ClientError with @x/mls's code CLIENT_STREAM_FAILED; `cause` is the last failure.
 */
export class StreamFailedError extends ClientError {
  override name = "StreamFailedError";
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("CLIENT_STREAM_FAILED", message, { ...options, retryable: true });
  }
}

export const invalidOption = (message: string) => new SdkError("SDK_INVALID_OPTION", message);
export const invalidArgument = (message: string) => new SdkError("SDK_INVALID_ARGUMENT", message);
export const notSupported = (message: string) => new SdkError("SDK_NOT_SUPPORTED", message);

/** The error's own message, for logs. */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${e.message}` : e.message;
  }
  return String(e);
}
