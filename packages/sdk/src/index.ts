// @x/sdk: node-sdk 6's API over @x/mls, with the transport and the encrypted SQLite database
// included and defaults fit for bots.
export const PACKAGE = "@x/sdk";

// The layers' typed errors, so one import covers every `instanceof` and `code` check.
export { ApiError, type ApiErrorCode, isApiError } from "@x/api";
// Content types and their codecs (for custom handling and the attachment helpers).
export {
  type Action,
  type Actions,
  type Attachment,
  AttachmentDecryptionError,
  type ContentCodec,
  ContentDecodeError,
  ContentEncodeError,
  ContentTypeActions,
  ContentTypeAttachment,
  ContentTypeGroupUpdated,
  type ContentTypeId,
  ContentTypeIntent,
  ContentTypeLeaveRequest,
  ContentTypeMarkdown,
  ContentTypeMultiRemoteAttachment,
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeRemoteAttachment,
  ContentTypeReply,
  ContentTypesError,
  type ContentTypesErrorCode,
  ContentTypeText,
  ContentTypeTransactionReference,
  ContentTypeWalletSendCalls,
  contentTypeFromString,
  contentTypesAreEqual,
  contentTypeToString,
  decryptAttachment,
  type EncodedContent,
  encodeContentMessage,
  encryptAttachment,
  type GroupUpdated,
  type Intent,
  type LeaveRequest,
  type MultiRemoteAttachment,
  type Reaction,
  type ReadReceipt,
  type RemoteAttachment,
  type Reply,
  type TransactionReference,
  type WalletSendCalls,
} from "@x/content-types";
export { DatabaseKeyError, DatabaseOpenError, DbError, type DbErrorCode } from "@x/db";
export {
  IdentifierError,
  type IdentifierErrorCode,
  SignatureRequestError,
  type SignatureRequestErrorCode,
} from "@x/id";
export {
  ArchiveError,
  type ArchiveErrorCode,
  ClientError,
  type ClientErrorCode,
  CommitValidationError,
  ContentTypeDeletedMessage,
  type DeletedMessageContent,
  GroupOperationError,
  KeyPackageError,
  MessageProcessingError,
  MlsEngineError,
  type MlsEngineErrorCode,
  WelcomeError,
} from "@x/mls";
export { Client, type ClientEvents, type KeyPackageStatus } from "./client/client.js";
export type { ApiStats, DebugInformation, IdentityStats } from "./client/debug.js";
export { fromIdIdentifier, type Identifier, toIdIdentifier } from "./client/identifiers.js";
export type { InboxState, Installation } from "./client/inbox.js";
export type { Logger } from "./client/logger.js";
export {
  ApiUrls,
  type ClientOptions,
  defaultDbPath,
  HistorySyncUrls,
  type NetworkOptions,
  type XmtpEnv,
} from "./client/options.js";
export type { Consent, Preferences } from "./client/preferences.js";
export {
  type AnySigner,
  createSigner,
  type EOASigner,
  type SCWSigner,
  type Signer,
  type ViemAccount,
} from "./client/signer.js";
export {
  generateInboxId,
  getInboxIdForIdentifier,
  type NetworkArgument,
} from "./client/statics.js";
export {
  isActions,
  isAttachment,
  isContentOf,
  isDeletedMessage,
  isGroupUpdated,
  isIntent,
  isLeaveRequest,
  isMarkdown,
  isMultiRemoteAttachment,
  isReaction,
  isReadReceipt,
  isRemoteAttachment,
  isReply,
  isText,
  isTextReply,
  isTransactionReference,
  isWalletSendCalls,
} from "./content/guards.js";
export type { DecodedMessage, EnrichedReply } from "./content/message.js";
export {
  Conversation,
  Dm,
  Group,
  type GroupMember,
  type ListMessagesOptions,
  type MessageDisappearingSettings,
  type ReactionInput,
  type ReplyInput,
  type SendEncodedOptions,
  type SendOptions,
} from "./conversations/conversation.js";
export type {
  Conversations,
  CreateDmOptions,
  CreateGroupOptions,
  ListConversationsOptions,
  StreamAllMessagesOptions,
  StreamConversationsOptions,
  SyncSummary,
} from "./conversations/conversations.js";
export type { PermissionPolicySet } from "./conversations/permissions.js";
export {
  AsyncStream,
  DELIVERED_KEYS_KEPT,
  type StreamOptions,
} from "./conversations/stream.js";
export {
  ConsentEntityType,
  ConsentState,
  ConversationType,
  DeliveryStatus,
  GroupMessageKind,
  GroupPermissionsOptions,
  IdentifierKind,
  ListConversationsOrderBy,
  LogLevel,
  MetadataField,
  PermissionLevel,
  PermissionPolicy,
  PermissionUpdateType,
  ReactionAction,
  ReactionSchema,
  SortDirection,
} from "./enums.js";
export { SdkError, type SdkErrorCode, StreamFailedError } from "./errors.js";
