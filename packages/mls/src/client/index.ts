// The XMTP client of @x/mls.

export { LIBRARY_VERSION, VERSION_INFO, type VersionInfo } from "../version.js";
export {
  Client,
  type ClientOptions,
  type ExternalIdentity,
  type InboxStateView,
  type KeyPackageStatus,
  MAX_INSTALLATIONS_PER_INBOX,
} from "./client.js";
export {
  CONSENT_STATES,
  type ConsentEntityTypeName,
  type ConsentRecordInput,
  type ConsentStateName,
  type ConsentView,
  Preferences,
} from "./consent.js";
export type { DecodedMessage } from "./content.js";
export {
  Conversations,
  type CreateGroupOptions,
  type ListConversationsOptions,
  SYNC_ALL_CONCURRENCY,
} from "./conversations.js";
export { ContentTypeDeletedMessage, type DeletedMessageContent } from "./deletions.js";
export { ClientError, type ClientErrorCode, CommitValidationError } from "./errors.js";
export {
  type Conversation,
  Dm,
  Group,
  type GroupMemberInfo,
  type ListMessagesOptions,
  MAX_PUBLISH_ATTEMPTS,
} from "./group.js";
export {
  KEY_PACKAGE_DELETE_DELAY_NS,
  KEY_PACKAGE_ROTATION_INTERVAL_NS,
} from "./key-packages.js";
export {
  type GroupPermissions,
  type GroupPermissionsPreset,
  type PermissionPolicy,
  type PermissionUpdateType,
  withPermission,
} from "./permissions.js";
export {
  DEFAULT_STREAM_RETRY,
  Stream,
  type StreamOptions,
  type StreamRetryInfo,
} from "./stream.js";
export type {
  StreamAllMessagesOptions,
  StreamConversationsOptions,
  StreamMessagesOptions,
} from "./streams.js";
export {
  ARCHIVE_KEY_SIZE,
  type ArchiveElementName,
  ArchiveError,
  type ArchiveErrorCode,
  type ArchiveMetadata,
  type ArchiveOptions,
  type ArchiveSource,
  archiveFileMetadata,
  archiveMetadata,
  createArchiveFile,
  DEFAULT_MAX_ARCHIVE_BYTES,
  exportArchive,
  exportArchiveBytes,
  type ImportArchiveOptions,
  type ImportSummary,
  importArchive,
  importArchiveFile,
} from "./sync/archive/index.js";
export { SyncGroup } from "./sync/device-sync.js";
export type { PreferenceUpdate } from "./sync/preference-hub.js";
export { KEY_PACKAGE_QUEUE_INTERVAL_NS } from "./workers/key-package-maintenance.js";
export {
  systemClock,
  type Worker,
  type WorkerClock,
  type WorkerErrorInfo,
  WorkerRunner,
  type WorkerRunnerOptions,
  type WorkerStatus,
} from "./workers/runner.js";
export {
  NEVER_EXPIRES,
  newTask,
  type TaskHandler,
  type TaskHandlers,
  type TaskKind,
  type TaskOutcome,
  TaskWorker,
  type TaskWorkerOptions,
  taskHash,
} from "./workers/tasks.js";
