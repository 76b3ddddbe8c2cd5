// The XMTP client of @x/mls.
export {
  Client,
  type ClientOptions,
  type InboxStateView,
  MAX_INSTALLATIONS_PER_INBOX,
} from "./client.js";
export {
  CONSENT_STATES,
  type ConsentEntityTypeName,
  type ConsentRecordInput,
  type ConsentStateName,
  Preferences,
} from "./consent.js";
export type { DecodedMessage } from "./content.js";
export {
  Conversations,
  type CreateGroupOptions,
  type ListConversationsOptions,
  SYNC_ALL_CONCURRENCY,
} from "./conversations.js";
export { ClientError, type ClientErrorCode, CommitValidationError } from "./errors.js";
export {
  type Conversation,
  Dm,
  Group,
  type GroupMemberInfo,
  type ListMessagesOptions,
  MAX_PUBLISH_ATTEMPTS,
} from "./group.js";
export type {
  GroupPermissions,
  GroupPermissionsPreset,
  PermissionPolicy,
  PermissionUpdateType,
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
