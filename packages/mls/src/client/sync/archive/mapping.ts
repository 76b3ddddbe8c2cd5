// Our stored rows <-> libxmtp 1.9.1's archive records (xmtp_proto device_sync.*; the From/TryFrom
// impls of xmtp_db and xmtp_mls). Conversions from a save return undefined for a record libxmtp
// would refuse (its import logs and skips those).
import {
  ConsentEntityType,
  type ConsentRecord,
  ConsentState,
  ContentType,
  ConversationType,
  DeliveryStatus,
  GroupMembershipState,
  MessageKind,
  type StoredGroup,
  type StoredMessage,
} from "@x/db";
import { create } from "@x/proto";
import {
  type ConsentSave,
  ConsentSaveSchema,
  ConsentStateSave,
  ConsentTypeSave,
} from "@x/proto/device_sync/consent_backup";
import {
  ConversationTypeSave,
  GroupMembershipStateSave,
  type GroupSave,
  GroupSaveSchema,
} from "@x/proto/device_sync/group_backup";
import {
  ContentTypeSave,
  DeliveryStatusSave,
  GroupMessageKindSave,
  type GroupMessageSave,
  GroupMessageSaveSchema,
} from "@x/proto/device_sync/message_backup";
import type { XmtpGroupExtensions } from "../../../engine/index.js";
import { storedGroup } from "../../stored-group.js";

const INT64_MAX = 2n ** 63n - 1n;
const INT32_MAX = 2 ** 31 - 1;
/** libxmtp's originator for a message saved without one (the v3 application-message topic). */
export const DEFAULT_ORIGINATOR_ID = 10;

// ---- content types ----

/** libxmtp's ContentType Display strings (xmtp_db group_message.rs), by our stored number. */
const CONTENT_TYPE_NAMES: Record<ContentType, string> = {
  [ContentType.Unknown]: "unknown",
  [ContentType.Text]: "text",
  [ContentType.GroupMembershipChange]: "group_membership_change",
  [ContentType.GroupUpdated]: "group_updated",
  [ContentType.Reaction]: "reaction",
  [ContentType.ReadReceipt]: "readReceipt",
  [ContentType.Reply]: "reply",
  [ContentType.Attachment]: "attachment",
  [ContentType.RemoteAttachment]: "remoteStaticAttachment",
  [ContentType.TransactionReference]: "transactionReference",
  [ContentType.WalletSendCalls]: "walletSendCalls",
  [ContentType.LeaveRequest]: "leave_request",
  [ContentType.Markdown]: "markdown",
  [ContentType.Actions]: "actions",
  [ContentType.Intent]: "intent",
  [ContentType.MultiRemoteAttachment]: "multiRemoteStaticAttachment",
  [ContentType.DeleteMessage]: "deleteMessage",
};

const CONTENT_TYPE_BY_NAME = new Map<string, ContentType>(
  Object.entries(CONTENT_TYPE_NAMES).map(([n, name]) => [name, Number(n) as ContentType]),
);

/** The deprecated ContentTypeSave enum (field 9), as libxmtp's From<ContentTypeSave> reads it. */
const CONTENT_TYPE_BY_SAVE = new Map<number, ContentType>([
  [ContentTypeSave.UNKNOWN, ContentType.Unknown],
  [ContentTypeSave.TEXT, ContentType.Text],
  [ContentTypeSave.GROUP_MEMBERSHIP_CHANGE, ContentType.GroupMembershipChange],
  [ContentTypeSave.GROUP_UPDATED, ContentType.GroupUpdated],
  [ContentTypeSave.REACTION, ContentType.Reaction],
  [ContentTypeSave.READ_RECEIPT, ContentType.ReadReceipt],
  [ContentTypeSave.REPLY, ContentType.Reply],
  [ContentTypeSave.ATTACHMENT, ContentType.Attachment],
  [ContentTypeSave.REMOTE_ATTACHMENT, ContentType.RemoteAttachment],
  [ContentTypeSave.TRANSACTION_REFERENCE, ContentType.TransactionReference],
]);

export function contentTypeName(type: ContentType): string {
  return CONTENT_TYPE_NAMES[type] ?? "unknown";
}

/** Field 9 unless it maps to Unknown, then field 16's string (libxmtp's order). */
export function contentTypeOfSave(save: GroupMessageSave): ContentType {
  const fromEnum = CONTENT_TYPE_BY_SAVE.get(save.contentTypeSave) ?? ContentType.Unknown;
  if (fromEnum !== ContentType.Unknown) return fromEnum;
  return CONTENT_TYPE_BY_NAME.get(save.contentType) ?? ContentType.Unknown;
}

// ---- consent ----

/** Our consent state -> ConsentStateSave: shifted by one (0 is UNSPECIFIED there). */
const STATE_TO_SAVE: Record<ConsentState, ConsentStateSave> = {
  [ConsentState.Unknown]: ConsentStateSave.UNKNOWN,
  [ConsentState.Allowed]: ConsentStateSave.ALLOWED,
  [ConsentState.Denied]: ConsentStateSave.DENIED,
};
const STATE_FROM_SAVE = new Map<number, ConsentState>([
  [ConsentStateSave.UNKNOWN, ConsentState.Unknown],
  [ConsentStateSave.ALLOWED, ConsentState.Allowed],
  [ConsentStateSave.DENIED, ConsentState.Denied],
]);
const TYPE_TO_SAVE: Record<ConsentEntityType, ConsentTypeSave> = {
  [ConsentEntityType.ConversationId]: ConsentTypeSave.CONVERSATION_ID,
  [ConsentEntityType.InboxId]: ConsentTypeSave.INBOX_ID,
};
/** ADDRESS (3, deprecated) and UNSPECIFIED are refused, as by libxmtp. */
const TYPE_FROM_SAVE = new Map<number, ConsentEntityType>([
  [ConsentTypeSave.CONVERSATION_ID, ConsentEntityType.ConversationId],
  [ConsentTypeSave.INBOX_ID, ConsentEntityType.InboxId],
]);

/** A consent record as libxmtp saves it (entity as stored: hex group id or inbox id). */
export function consentToSave(r: ConsentRecord): ConsentSave {
  return create(ConsentSaveSchema, {
    entityType: TYPE_TO_SAVE[r.entityType],
    state: STATE_TO_SAVE[r.state],
    entity: r.entity,
    consentedAtNs: r.consentedAtNs,
  });
}

/** A saved consent record, or undefined for an unspecified/address type or unspecified state. */
export function consentFromSave(s: ConsentSave): ConsentRecord | undefined {
  const entityType = TYPE_FROM_SAVE.get(s.entityType);
  const state = STATE_FROM_SAVE.get(s.state);
  if (entityType === undefined || state === undefined) return undefined;
  if (typeof s.entity !== "string" || s.entity.length === 0) return undefined;
  if (!inInt64(s.consentedAtNs)) return undefined;
  return { entityType, entity: s.entity, state, consentedAtNs: s.consentedAtNs };
}

// ---- groups ----

const MEMBERSHIP_TO_SAVE: Record<GroupMembershipState, GroupMembershipStateSave> = {
  [GroupMembershipState.Allowed]: GroupMembershipStateSave.ALLOWED,
  [GroupMembershipState.Rejected]: GroupMembershipStateSave.REJECTED,
  [GroupMembershipState.Pending]: GroupMembershipStateSave.PENDING,
  [GroupMembershipState.Restored]: GroupMembershipStateSave.RESTORED,
  [GroupMembershipState.PendingRemove]: GroupMembershipStateSave.PENDING_REMOVE,
};

const CONVERSATION_TYPE_TO_SAVE: Record<ConversationType, ConversationTypeSave> = {
  [ConversationType.Group]: ConversationTypeSave.GROUP,
  [ConversationType.Dm]: ConversationTypeSave.DM,
  [ConversationType.Sync]: ConversationTypeSave.SYNC,
  // Never exported (virtual); libxmtp's proto has no value for it.
  [ConversationType.Oneshot]: ConversationTypeSave.UNSPECIFIED,
};

/** A stored group and what its MLS state says (creator, mutable metadata) as a GroupSave. */
export function groupToSave(g: StoredGroup, ext: XmtpGroupExtensions): GroupSave {
  const mutable = ext.mutableMetadata;
  return create(GroupSaveSchema, {
    id: g.id,
    createdAtNs: g.createdAtNs,
    membershipState: MEMBERSHIP_TO_SAVE[g.membershipState] ?? GroupMembershipStateSave.UNSPECIFIED,
    installationsLastChecked: g.installationsLastCheckedNs,
    addedByInboxId: g.addedByInboxId,
    ...(g.welcomeCursor === null ? {} : { welcomeId: g.welcomeCursor.sequenceId }),
    rotatedAtNs: g.rotatedAtNs,
    conversationType:
      CONVERSATION_TYPE_TO_SAVE[g.conversationType] ?? ConversationTypeSave.UNSPECIFIED,
    ...(g.dmId === null ? {} : { dmId: g.dmId }),
    ...(g.lastMessageNs === null ? {} : { lastMessageNs: g.lastMessageNs }),
    ...(g.messageDisappearFromNs === null
      ? {}
      : { messageDisappearFromNs: g.messageDisappearFromNs }),
    ...(g.messageDisappearInNs === null ? {} : { messageDisappearInNs: g.messageDisappearInNs }),
    metadata: { creatorInboxId: ext.metadata.creatorInboxId },
    mutableMetadata: {
      attributes: { ...mutable.attributes },
      adminList: [...mutable.adminList],
      superAdminList: [...mutable.superAdminList],
    },
    ...(g.pausedForVersion === null ? {} : { pausedForVersion: g.pausedForVersion }),
  });
}

/**
 * The local stub for a saved group we do not have: membership Restored, no MLS state (a welcome
 * for the same id replaces it). A DM needs its dm_id; every other type becomes a Group.
 * undefined when libxmtp would refuse the save.
 */
export function stubFromSave(s: GroupSave): StoredGroup | undefined {
  if (!(s.id instanceof Uint8Array) || s.id.length === 0) return undefined;
  const isDm = s.conversationType === ConversationTypeSave.DM;
  const dmId = s.dmId ?? "";
  if (isDm && !/^dm:[^:]+:[^:]+$/.test(dmId)) return undefined;
  const optional = (v: bigint | undefined) => (v === undefined ? null : v);
  const times = [s.createdAtNs, s.lastMessageNs, s.messageDisappearFromNs, s.messageDisappearInNs];
  if (!times.every((t) => t === undefined || inInt64(t))) return undefined;
  return storedGroup({
    id: s.id,
    createdAtNs: s.createdAtNs,
    conversationType: isDm ? ConversationType.Dm : ConversationType.Group,
    membershipState: GroupMembershipState.Restored,
    addedByInboxId: s.addedByInboxId,
    dmId: isDm ? dmId : null,
    welcomeCursor: null,
    rotatedAtNs: 0n,
    lastMessageNs: optional(s.lastMessageNs),
    messageDisappearFromNs: optional(s.messageDisappearFromNs),
    messageDisappearInNs: optional(s.messageDisappearInNs),
  });
}

// ---- messages ----

const KIND_TO_SAVE: Record<MessageKind, GroupMessageKindSave> = {
  [MessageKind.Application]: GroupMessageKindSave.APPLICATION,
  [MessageKind.MembershipChange]: GroupMessageKindSave.MEMBERSHIP_CHANGE,
};
const KIND_FROM_SAVE = new Map<number, MessageKind>([
  [GroupMessageKindSave.APPLICATION, MessageKind.Application],
  [GroupMessageKindSave.MEMBERSHIP_CHANGE, MessageKind.MembershipChange],
]);
const DELIVERY_TO_SAVE: Record<DeliveryStatus, DeliveryStatusSave> = {
  [DeliveryStatus.Unpublished]: DeliveryStatusSave.UNPUBLISHED,
  [DeliveryStatus.Published]: DeliveryStatusSave.PUBLISHED,
  [DeliveryStatus.Failed]: DeliveryStatusSave.FAILED,
};
const DELIVERY_FROM_SAVE = new Map<number, DeliveryStatus>([
  [DeliveryStatusSave.UNPUBLISHED, DeliveryStatus.Unpublished],
  [DeliveryStatusSave.PUBLISHED, DeliveryStatus.Published],
  [DeliveryStatusSave.FAILED, DeliveryStatus.Failed],
]);

export function messageToSave(m: StoredMessage): GroupMessageSave {
  return create(GroupMessageSaveSchema, {
    id: m.id,
    groupId: m.groupId,
    decryptedMessageBytes: m.decryptedMessageBytes,
    sentAtNs: m.sentAtNs,
    kind: KIND_TO_SAVE[m.kind] ?? GroupMessageKindSave.UNSPECIFIED,
    senderInstallationId: m.senderInstallationId,
    senderInboxId: m.senderInboxId,
    deliveryStatus: DELIVERY_TO_SAVE[m.deliveryStatus] ?? DeliveryStatusSave.UNSPECIFIED,
    // Deprecated; libxmtp 1.9.1 writes 0 and reads field 16 instead.
    contentTypeSave: ContentTypeSave.UNSPECIFIED,
    versionMajor: m.versionMajor,
    versionMinor: m.versionMinor,
    authorityId: m.authorityId,
    ...(m.referenceId === null ? {} : { referenceId: m.referenceId }),
    sequenceId: m.sequenceId,
    originatorId: BigInt(m.originatorId),
    contentType: contentTypeName(m.contentType),
  });
}

/**
 * A saved message as a row: no expiry, not pushed, originator 10 when missing. undefined for an
 * unspecified kind or delivery status, or values our store cannot hold.
 */
export function messageFromSave(
  s: GroupMessageSave,
  insertedAtNs: bigint,
): StoredMessage | undefined {
  const kind = KIND_FROM_SAVE.get(s.kind);
  const deliveryStatus = DELIVERY_FROM_SAVE.get(s.deliveryStatus);
  if (kind === undefined || deliveryStatus === undefined) return undefined;
  if (s.id.length === 0 || s.groupId.length === 0) return undefined;
  const originator = s.originatorId ?? BigInt(DEFAULT_ORIGINATOR_ID);
  const sequenceId = s.sequenceId ?? 0n;
  if (originator < 0n || originator > BigInt(INT32_MAX)) return undefined;
  if (sequenceId < 0n || !inInt64(sequenceId) || !inInt64(s.sentAtNs)) return undefined;
  if (s.versionMajor < 0 || s.versionMinor < 0) return undefined;
  return {
    id: s.id,
    groupId: s.groupId,
    decryptedMessageBytes: s.decryptedMessageBytes,
    sentAtNs: s.sentAtNs,
    kind,
    senderInstallationId: s.senderInstallationId,
    senderInboxId: s.senderInboxId,
    deliveryStatus,
    contentType: contentTypeOfSave(s),
    authorityId: s.authorityId,
    versionMajor: s.versionMajor,
    versionMinor: s.versionMinor,
    referenceId: s.referenceId ?? null,
    originatorId: Number(originator),
    sequenceId,
    insertedAtNs,
    expireAtNs: null,
    shouldPush: false,
    idempotencyKey: "",
  };
}

function inInt64(v: bigint): boolean {
  return v >= -INT64_MAX - 1n && v <= INT64_MAX;
}
