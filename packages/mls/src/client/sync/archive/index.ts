// Archives in libxmtp 1.9.1's format (xmtp_archive): export a database's groups, messages and
// consent to encrypted bytes, and import such bytes (from libxmtp or from us) into a database.
export { ArchiveError, type ArchiveErrorCode } from "./errors.js";
export {
  ARCHIVE_PAGE_SIZE,
  type ArchiveOptions,
  exportArchive,
  exportArchiveBytes,
} from "./export.js";
export { archiveFileMetadata, createArchiveFile, importArchiveFile } from "./files.js";
export { ARCHIVE_KEY_SIZE, ARCHIVE_VERSION } from "./format.js";
export { type ImportArchiveOptions, type ImportSummary, importArchive } from "./import.js";
export {
  consentFromSave,
  consentToSave,
  contentTypeName,
  groupToSave,
  messageFromSave,
  messageToSave,
  stubFromSave,
} from "./mapping.js";
export {
  ARCHIVE_ELEMENTS,
  type ArchiveElementName,
  type ArchiveMetadata,
} from "./metadata.js";
export { archiveMetadata } from "./read-metadata.js";
export {
  type ArchiveSource,
  DEFAULT_MAX_ARCHIVE_BYTES,
  DEFAULT_MAX_ARCHIVE_ELEMENTS,
} from "./reader.js";
