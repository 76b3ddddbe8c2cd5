// Turning conversations and messages into lines a person reads and objects a script reads.
import type { GroupUpdated } from "@x/content-types";
import type { Conversation, DecodedMessage } from "@x/mls";

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

function isGroupUpdated(m: DecodedMessage): boolean {
  return m.contentType?.authorityId === "xmtp.org" && m.contentType.typeId === "group_updated";
}

function describeUpdate(u: GroupUpdated, who: (inboxId: string) => string): string {
  const parts: string[] = [];
  if (u.addedInboxes.length > 0) {
    parts.push(`added ${u.addedInboxes.map((i) => who(i.inboxId)).join(", ")}`);
  }
  if (u.removedInboxes.length > 0) {
    parts.push(`removed ${u.removedInboxes.map((i) => who(i.inboxId)).join(", ")}`);
  }
  for (const c of u.metadataFieldChanges) {
    parts.push(`set ${c.fieldName} to ${JSON.stringify(c.newValue ?? "")}`);
  }
  return parts.length > 0 ? parts.join("; ") : "updated the group";
}

/** The text of a message: its text, a summary of a group update, or its fallback. */
export function messageText(m: DecodedMessage, who: (inboxId: string) => string = shortId): string {
  if (typeof m.content === "string") return m.content;
  if (isGroupUpdated(m) && m.content !== undefined) {
    return `(${describeUpdate(m.content as GroupUpdated, who)})`;
  }
  if (m.fallback !== undefined) return m.fallback;
  const type = m.contentType ? `${m.contentType.authorityId}/${m.contentType.typeId}` : "unknown";
  return `(${type} content)`;
}

export function messageJson(m: DecodedMessage, who: (inboxId: string) => string = shortId) {
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderInboxId: m.senderInboxId,
    sentAt: new Date(Number(m.sentAtNs / 1_000_000n)).toISOString(),
    sentAtNs: m.sentAtNs.toString(),
    kind: m.kind,
    contentType: m.contentType
      ? `${m.contentType.authorityId}/${m.contentType.typeId}:${m.contentType.versionMajor}.${m.contentType.versionMinor}`
      : null,
    text: messageText(m, who),
  };
}

function clock(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  return d.toTimeString().slice(0, 8);
}

/** `12:03:04  alice: hello` */
export function messageLine(m: DecodedMessage, who: (inboxId: string) => string): string {
  return `${clock(m.sentAtNs)}  ${who(m.senderInboxId)}: ${messageText(m, who)}`;
}

export async function conversationJson(c: Conversation) {
  const members = await c.members();
  return {
    id: c.id,
    type: c.conversationType,
    name: c.conversationType === "group" ? await c.name() : null,
    peerInboxId: "peerInboxId" in c ? (c as { peerInboxId: string }).peerInboxId : null,
    members: members.map((m) => m.inboxId),
    createdAtNs: c.createdAtNs.toString(),
  };
}
