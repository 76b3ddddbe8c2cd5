// Messages as the user sees them, and libxmtp's content-type enum for the message table.
import {
  type CodecRegistry,
  type ContentTypeId,
  type DecodedContent,
  decodeContent,
} from "@x/content-types";
import { toHex } from "@x/crypto";
import { ContentType, type DeliveryStatus, MessageKind, type StoredMessage } from "@x/db";

const CONTENT_TYPES: Record<string, ContentType> = {
  text: ContentType.Text,
  group_membership_change: ContentType.GroupMembershipChange,
  group_updated: ContentType.GroupUpdated,
  reaction: ContentType.Reaction,
  readReceipt: ContentType.ReadReceipt,
  reply: ContentType.Reply,
  attachment: ContentType.Attachment,
  remoteStaticAttachment: ContentType.RemoteAttachment,
  transactionReference: ContentType.TransactionReference,
  walletSendCalls: ContentType.WalletSendCalls,
  leave_request: ContentType.LeaveRequest,
  markdown: ContentType.Markdown,
  actions: ContentType.Actions,
  intent: ContentType.Intent,
  multiRemoteStaticAttachment: ContentType.MultiRemoteAttachment,
  deleteMessage: ContentType.DeleteMessage,
};

/** libxmtp's stored content-type number for a content type (Unknown for other authorities). */
export function contentTypeNumber(type: ContentTypeId | undefined): ContentType {
  if (type === undefined) return ContentType.Unknown;
  if (type.authorityId !== "xmtp.org" && type.authorityId !== "coinbase.com") {
    return ContentType.Unknown;
  }
  return CONTENT_TYPES[type.typeId] ?? ContentType.Unknown;
}

export interface DecodedMessage {
  /** Hex message id (libxmtp's). */
  id: string;
  conversationId: string;
  senderInboxId: string;
  senderInstallationId: string;
  /** Server time of the message, ns. */
  sentAtNs: bigint;
  kind: "application" | "membership_change";
  deliveryStatus: "unpublished" | "published" | "failed";
  contentType: ContentTypeId | undefined;
  /** The decoded value, or undefined when no codec could decode it (see `fallback`). */
  content: unknown;
  fallback: string | undefined;
  decoded: DecodedContent | undefined;
}

const DELIVERY: Record<DeliveryStatus, DecodedMessage["deliveryStatus"]> = {
  1: "unpublished",
  2: "published",
  3: "failed",
};

export function toDecodedMessage(m: StoredMessage, registry: CodecRegistry): DecodedMessage {
  let decoded: DecodedContent | undefined;
  try {
    decoded = decodeContent(registry, m.decryptedMessageBytes);
  } catch {
    decoded = undefined;
  }
  return {
    id: toHex(m.id),
    conversationId: toHex(m.groupId),
    senderInboxId: m.senderInboxId,
    senderInstallationId: toHex(m.senderInstallationId),
    sentAtNs: m.sentAtNs,
    kind: m.kind === MessageKind.MembershipChange ? "membership_change" : "application",
    deliveryStatus: DELIVERY[m.deliveryStatus],
    contentType: decoded?.contentType,
    content: decoded?.kind === "decoded" ? decoded.content : undefined,
    fallback: decoded?.fallback,
    decoded,
  };
}
