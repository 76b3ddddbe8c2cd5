// The typed errors of archive import and export. They are ClientErrors (same `code`, `retryable`
// and `cause`), so a caller that handles ClientError handles these too.
import { ClientError } from "../../errors.js";

export type ArchiveErrorCode =
  /** The key is shorter than 32 bytes (longer keys are cut to 32, as libxmtp's FFI does). */
  | "ARCHIVE_INVALID_KEY_LENGTH"
  /** The archive ends early: in the header, inside the zstd stream or inside an element. */
  | "ARCHIVE_TRUNCATED"
  /** The first element does not decrypt: the key is wrong (or its bytes were changed). */
  | "ARCHIVE_BAD_KEY"
  /** A later element does not decrypt or decode, or the zstd stream or framing is invalid. */
  | "ARCHIVE_CORRUPT"
  /** The first element is not the archive's metadata, or there is no element at all. */
  | "ARCHIVE_MISSING_METADATA"
  /** Over the import's limits (decompressed bytes, element count, zstd window). */
  | "ARCHIVE_TOO_LARGE";

export class ArchiveError extends ClientError {
  override name = "ArchiveError";
  declare readonly code: ArchiveErrorCode;

  constructor(code: ArchiveErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
