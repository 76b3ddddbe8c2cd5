// @x/content-types: content codecs wire-compatible with libxmtp's xmtp_content_types.

export {
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
  type EncodedContentInit,
} from "./codec.js";
export {
  type Action,
  type ActionStyle,
  type Actions,
  ActionsCodec,
  ContentTypeActions,
} from "./codecs/actions.js";
export { type Attachment, AttachmentCodec, ContentTypeAttachment } from "./codecs/attachment.js";
export {
  AES_GCM_NONCE_SIZE,
  AES_GCM_TAG_SIZE,
  decryptAttachment,
  decryptEncodedContent,
  type EncryptedAttachment,
  type EncryptedContent,
  encryptAttachment,
  encryptEncodedContent,
  HKDF_SALT_SIZE,
  type RemoteAttachmentKeys,
  SECRET_SIZE,
} from "./codecs/attachment-encryption.js";
export {
  ContentTypeIntent,
  INTENT_METADATA_LIMIT,
  type Intent,
  IntentCodec,
} from "./codecs/intent.js";
export {
  ContentTypeMultiRemoteAttachment,
  type MultiRemoteAttachment,
  MultiRemoteAttachmentCodec,
} from "./codecs/multi-remote-attachment.js";
export {
  ContentTypeLegacyReaction,
  ContentTypeReaction,
  LegacyReactionCodec,
  type Reaction,
  type ReactionAction,
  ReactionCodec,
  type ReactionSchema,
} from "./codecs/reaction.js";
export {
  ContentTypeReadReceipt,
  type ReadReceipt,
  ReadReceiptCodec,
} from "./codecs/read-receipt.js";
export {
  ContentTypeRemoteAttachment,
  type RemoteAttachment,
  RemoteAttachmentCodec,
} from "./codecs/remote-attachment.js";
export { ContentTypeReply, type Reply, ReplyCodec } from "./codecs/reply.js";
export {
  ContentTypeDeleteMessage,
  ContentTypeGroupMembershipChange,
  ContentTypeGroupUpdated,
  ContentTypeLeaveRequest,
  type DeleteMessage,
  DeleteMessageCodec,
  GroupMembershipChangeCodec,
  type GroupMembershipChanges,
  type GroupUpdated,
  GroupUpdatedCodec,
  type LeaveRequest,
  LeaveRequestCodec,
} from "./codecs/system.js";
export { ContentTypeMarkdown, ContentTypeText, MarkdownCodec, TextCodec } from "./codecs/text.js";
export {
  ContentTypeTransactionReference,
  type TransactionMetadata,
  type TransactionReference,
  TransactionReferenceCodec,
} from "./codecs/transaction-reference.js";
export {
  ContentTypeWalletSendCalls,
  type WalletCall,
  type WalletCallMetadata,
  type WalletSendCalls,
  WalletSendCallsCodec,
} from "./codecs/wallet-send-calls.js";
export {
  type CompressionAlgorithm,
  compressContent,
  type DecompressOptions,
  decompressContent,
  MAX_DECOMPRESSED_BYTES,
} from "./compression.js";
export {
  type ContentTypeId,
  contentTypeFromString,
  contentTypeId,
  contentTypeKey,
  contentTypesAreEqual,
  contentTypeToString,
} from "./content-type-id.js";
export {
  type DecodedContent,
  type DecodedKnownContent,
  decodeContent,
  decodeEncodedContent,
  type EncodeContentOptions,
  encodeContent,
  encodeContentMessage,
  isContentOf,
  type UnknownContent,
} from "./encoding.js";
export {
  AttachmentDecryptionError,
  AttachmentDigestMismatchError,
  ContentDecodeError,
  ContentEncodeError,
  ContentTypeMismatchError,
  ContentTypesError,
  type ContentTypesErrorCode,
  DecompressionError,
  InvalidContentTypeError,
} from "./errors.js";
export type { JsonValue } from "./json.js";
export { CodecRegistry, defaultCodecs } from "./registry.js";
