// Message deletion as libxmtp 1.9 does it: a DeleteMessage (xmtp.org/deleteMessage:1.0, the target's
// hex id) from the target's sender or a super admin marks the target deleted; nothing is removed,
// reads show the target as a deletedMessage. Deletions that break the rules are ignored without
// error; one that arrives before its target is kept and checked when the target is shown.
import {
  type ContentTypeId,
  contentTypeId,
  DeleteMessageCodec,
  type EncodedContent,
} from "@x/content-types";
import { fromHex, toHex } from "@x/crypto";
import {
  ContentType,
  type MessageDeletion,
  MessageKind,
  type StoredMessage,
  type TransactionScope,
} from "@x/db";
import { fromBinary } from "@x/proto";
import { EncodedContentSchema } from "@x/proto/mls/message_contents";
import type { ClientState } from "ts-mls";
import { readGroupExtensions } from "../engine/index.js";
import type { DecodedMessage } from "./content.js";

/** The local-only content type reads give a deleted message (libxmtp's DeletedMessage). */
export const ContentTypeDeletedMessage: ContentTypeId = contentTypeId(
  "xmtp.org",
  "deletedMessage",
  1,
  0,
);

/** What a deleted message shows instead of its content. */
export interface DeletedMessageContent {
  deletedBy: "sender" | "admin";
  /** The super admin who deleted it, when it was not its sender. */
  adminInboxId?: string;
}

/** Content types a DeleteMessage may target (libxmtp's deletable list). */
const DELETABLE = new Set<ContentType>([
  ContentType.Text,
  ContentType.Markdown,
  ContentType.Reply,
  ContentType.Attachment,
  ContentType.RemoteAttachment,
  ContentType.TransactionReference,
  ContentType.MultiRemoteAttachment,
  ContentType.WalletSendCalls,
]);

export function isDeletable(m: Pick<StoredMessage, "kind" | "contentType">): boolean {
  return m.kind === MessageKind.Application && DELETABLE.has(m.contentType);
}

export const isDeleteMessage = (m: Pick<StoredMessage, "contentType" | "kind">) =>
  m.kind === MessageKind.Application && m.contentType === ContentType.DeleteMessage;

/** The target id a DeleteMessage names, or undefined when its bytes are not one. */
export function deletionTarget(
  m: Pick<StoredMessage, "decryptedMessageBytes">,
): Uint8Array | undefined {
  try {
    const encoded = fromBinary(EncodedContentSchema, m.decryptedMessageBytes) as EncodedContent;
    const { messageId } = new DeleteMessageCodec().decode(encoded);
    if (!/^[0-9a-f]{64}$/.test(messageId)) return undefined;
    return fromHex(messageId);
  } catch {
    return undefined;
  }
}

/** Whether `d` deletes `target` under the rules (same group, deletable, sender or super admin). */
export function deletionApplies(d: MessageDeletion, target: StoredMessage): boolean {
  return (
    toHex(d.groupId) === toHex(target.groupId) &&
    isDeletable(target) &&
    (d.deletedByInboxId === target.senderInboxId || d.isSuperAdminDeletion)
  );
}

/**
 * A DeleteMessage was stored (another member's): records the deletion if it may apply, in the
 * caller's transaction. Returns the target's id when it deleted a message we have.
 */
export async function recordDeletion(
  tx: TransactionScope,
  message: StoredMessage,
  state: ClientState,
  nowNs: bigint,
): Promise<Uint8Array | undefined> {
  const targetId = deletionTarget(message);
  if (targetId === undefined) return undefined;
  const superAdmins = readGroupExtensions(state.groupContext.extensions).mutableMetadata
    .superAdminList;
  const bySuperAdmin = superAdmins.includes(message.senderInboxId);
  const target = await tx.messages.get(targetId);
  const deletion: MessageDeletion = {
    id: message.id,
    groupId: message.groupId,
    deletedMessageId: targetId,
    deletedByInboxId: message.senderInboxId,
    isSuperAdminDeletion: bySuperAdmin && target?.senderInboxId !== message.senderInboxId,
    deletedAtNs: nowNs,
  };
  if (target !== undefined) {
    if (!deletionApplies(deletion, target)) return undefined;
    const earlier = await tx.messageDeletions.findByTargets([targetId]);
    if (earlier.some((d) => deletionApplies(d, target))) return undefined;
  }
  await tx.messageDeletions.insert(deletion);
  return target === undefined ? undefined : targetId;
}

/** Messages as reads show them: a deleted one as a deletedMessage, without its content. */
export async function withDeletions(
  tx: Pick<TransactionScope, "messageDeletions">,
  rows: readonly StoredMessage[],
  decoded: DecodedMessage[],
): Promise<DecodedMessage[]> {
  const deletable = rows.filter(isDeletable);
  if (deletable.length === 0) return decoded;
  const deletions = await tx.messageDeletions.findByTargets(deletable.map((r) => r.id));
  if (deletions.length === 0) return decoded;
  const byTarget = new Map<string, MessageDeletion[]>();
  for (const d of deletions) {
    const k = toHex(d.deletedMessageId);
    byTarget.set(k, [...(byTarget.get(k) ?? []), d]);
  }
  const rowById = new Map(rows.map((r) => [toHex(r.id), r]));
  return decoded.map((m) => {
    const row = rowById.get(m.id);
    const d =
      row === undefined ? undefined : byTarget.get(m.id)?.find((x) => deletionApplies(x, row));
    if (d === undefined || row === undefined) return m;
    const content: DeletedMessageContent =
      d.deletedByInboxId === row.senderInboxId
        ? { deletedBy: "sender" }
        : { deletedBy: "admin", adminInboxId: d.deletedByInboxId };
    return {
      ...m,
      contentType: ContentTypeDeletedMessage,
      content,
      fallback: undefined,
      decoded: undefined,
    };
  });
}
