// Messages as node-sdk hands them out: DecodedMessage with `sentAt`, `reactions`, `numReplies`,
// and replies enriched with the message they answer (`content.inReplyTo`).
import {
  type CodecRegistry,
  type ContentTypeId,
  contentTypeKey,
  decodeEncodedContent,
  type EncodedContent,
  type Reaction,
  type Reply,
} from "@x/content-types";
import type { DecodedMessage as MlsMessage } from "@x/mls";
import type { DeliveryStatus, GroupMessageKind } from "../enums.js";

/** A reply as messages show it: the inner content decoded, and the message it answers. */
export interface EnrichedReply<T = unknown> {
  /** Hex id of the message replied to. */
  referenceId: string;
  /** Its sender's inbox, when the reply says. */
  referenceInboxId?: string | undefined;
  /** The reply's own content, decoded (undefined when no codec could). */
  content: T | undefined;
  contentType: ContentTypeId | undefined;
  /** The message replied to, if this database has it. */
  inReplyTo: DecodedMessage | null;
}

export interface DecodedMessage<T = unknown> {
  /** Hex message id. */
  id: string;
  conversationId: string;
  senderInboxId: string;
  senderInstallationId: string;
  sentAt: Date;
  sentAtNs: bigint;
  kind: GroupMessageKind;
  deliveryStatus: DeliveryStatus;
  contentType: ContentTypeId | undefined;
  /** The decoded value (for replies an EnrichedReply), or undefined when no codec could. */
  content: T | undefined;
  fallback: string | undefined;
  /** Reactions to this message (messages() only; [] in streams). */
  reactions: DecodedMessage<Reaction>[];
  /** Replies to this message (messages() only; 0 in streams). */
  numReplies: number;
  /** The EncodedContent as received (decompressed), for custom handling. */
  encodedContent: EncodedContent | undefined;
}

const REPLY = "xmtp.org/reply:1";

export const isReplyContent = (m: MlsMessage): boolean =>
  m.contentType !== undefined && contentTypeKey(m.contentType) === REPLY;

/** A message of @x/mls as node-sdk shows it (replies without inReplyTo yet: see enrich). */
export function toSdkMessage(m: MlsMessage, codecs: CodecRegistry): DecodedMessage {
  let content: unknown = m.content;
  if (isReplyContent(m) && m.content !== undefined) {
    const reply = m.content as Reply;
    const inner = decodeEncodedContent(codecs, reply.content);
    const enriched: EnrichedReply = {
      referenceId: reply.reference,
      referenceInboxId: reply.referenceInboxId,
      content: inner.kind === "decoded" ? inner.content : undefined,
      contentType: inner.contentType,
      inReplyTo: null,
    };
    content = enriched;
  }
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderInboxId: m.senderInboxId,
    senderInstallationId: m.senderInstallationId,
    sentAt: new Date(Number(m.sentAtNs / 1_000_000n)),
    sentAtNs: m.sentAtNs,
    kind: m.kind,
    deliveryStatus: m.deliveryStatus,
    contentType: m.contentType,
    content,
    fallback: m.fallback,
    reactions: [],
    numReplies: 0,
    encodedContent: m.decoded?.encoded,
  };
}

const REACTIONS = new Set(["xmtp.org/reaction:2", "xmtp.org/reaction:1"]);

export const isReactionType = (t: ContentTypeId | undefined): boolean =>
  t !== undefined && REACTIONS.has(contentTypeKey(t));
export const isReplyType = (t: ContentTypeId | undefined): boolean =>
  t !== undefined && contentTypeKey(t) === REPLY;

/**
 * Attaches reactions and reply counts to `page`, and to each reply the message it answers:
 * `related` holds the reactions and replies that may point into the page, `lookup` finds a
 * replied-to message outside it.
 */
export async function enrich(
  page: DecodedMessage[],
  related: DecodedMessage[],
  lookup: (id: string) => Promise<DecodedMessage | undefined>,
): Promise<DecodedMessage[]> {
  const byId = new Map(page.map((m) => [m.id, m]));
  for (const r of related) {
    if (isReactionType(r.contentType)) {
      const target = byId.get((r.content as Reaction | undefined)?.reference ?? "");
      if (target !== undefined && !target.reactions.some((x) => x.id === r.id)) {
        target.reactions.push(r as DecodedMessage<Reaction>);
      }
    } else if (isReplyType(r.contentType)) {
      const target = byId.get((r.content as EnrichedReply | undefined)?.referenceId ?? "");
      if (target !== undefined) target.numReplies++;
    }
  }
  for (const m of page) {
    if (!isReplyType(m.contentType) || m.content === undefined) continue;
    const reply = m.content as EnrichedReply;
    reply.inReplyTo = byId.get(reply.referenceId) ?? (await lookup(reply.referenceId)) ?? null;
  }
  return page;
}
