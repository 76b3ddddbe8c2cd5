// Type guards on messages (node-sdk's isText, isReaction, ...): narrow `content` to the type of
// its codec, by content type (authority, type and major version).
import {
  type Actions,
  type Attachment,
  type ContentCodec,
  ContentTypeActions,
  ContentTypeAttachment,
  ContentTypeGroupUpdated,
  type ContentTypeId,
  ContentTypeIntent,
  ContentTypeLeaveRequest,
  ContentTypeLegacyReaction,
  ContentTypeMarkdown,
  ContentTypeMultiRemoteAttachment,
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeRemoteAttachment,
  ContentTypeReply,
  ContentTypeText,
  ContentTypeTransactionReference,
  ContentTypeWalletSendCalls,
  contentTypeKey,
  type GroupUpdated,
  type Intent,
  type LeaveRequest,
  type MultiRemoteAttachment,
  type Reaction,
  type ReadReceipt,
  type RemoteAttachment,
  type TransactionReference,
  type WalletSendCalls,
} from "@x/content-types";
import { ContentTypeDeletedMessage, type DeletedMessageContent } from "@x/mls";
import type { DecodedMessage, EnrichedReply } from "./message.js";

const is =
  <T>(...types: ContentTypeId[]) =>
  (m: DecodedMessage): m is DecodedMessage<T> => {
    if (m.contentType === undefined || m.content === undefined) return false;
    const key = contentTypeKey(m.contentType);
    return types.some((t) => contentTypeKey(t) === key);
  };

export const isText = is<string>(ContentTypeText);
export const isMarkdown = is<string>(ContentTypeMarkdown);
/** Reactions of both versions (2.0 and the legacy 1.0). */
export const isReaction = is<Reaction>(ContentTypeReaction, ContentTypeLegacyReaction);
export const isReply = is<EnrichedReply>(ContentTypeReply);
export const isReadReceipt = is<ReadReceipt>(ContentTypeReadReceipt);
export const isAttachment = is<Attachment>(ContentTypeAttachment);
export const isRemoteAttachment = is<RemoteAttachment>(ContentTypeRemoteAttachment);
export const isMultiRemoteAttachment = is<MultiRemoteAttachment>(ContentTypeMultiRemoteAttachment);
export const isTransactionReference = is<TransactionReference>(ContentTypeTransactionReference);
export const isWalletSendCalls = is<WalletSendCalls>(ContentTypeWalletSendCalls);
export const isActions = is<Actions>(ContentTypeActions);
export const isIntent = is<Intent>(ContentTypeIntent);
export const isGroupUpdated = is<GroupUpdated>(ContentTypeGroupUpdated);
export const isLeaveRequest = is<LeaveRequest>(ContentTypeLeaveRequest);
/** A message deleted by its sender or a super admin (content says who). */
export const isDeletedMessage = is<DeletedMessageContent>(ContentTypeDeletedMessage);

/** A reply whose own content is text. */
export function isTextReply(m: DecodedMessage): m is DecodedMessage<EnrichedReply<string>> {
  if (!isReply(m)) return false;
  const inner = m.content?.contentType;
  return inner !== undefined && contentTypeKey(inner) === contentTypeKey(ContentTypeText);
}

/** A message of a custom codec's type, its content typed by the codec. */
export function isContentOf<T>(m: DecodedMessage, codec: ContentCodec<T>): m is DecodedMessage<T> {
  return is<T>(codec.contentType)(m);
}
