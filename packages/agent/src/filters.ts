// agent-sdk's `filter` (alias `f`): predicates on a message, its client and its conversation.
import {
  type Client,
  type ContentCodec,
  type Conversation,
  type DecodedMessage,
  Dm,
  type EnrichedReply,
  Group,
  isContentOf,
  isReaction,
  isRemoteAttachment,
  isReply,
  isText,
  isTextReply,
  type Reaction,
  type RemoteAttachment,
} from "@x/sdk";

/** Sent by the agent's own inbox (any of its installations). */
function fromSelf(message: DecodedMessage, client: Pick<Client, "inboxId">): boolean {
  return message.senderInboxId === client.inboxId;
}

/** The message decoded to something (a codec knew its type). */
function hasContent(message: DecodedMessage): boolean {
  return message.content !== undefined && message.content !== null;
}

function isDM(conversation: Conversation): conversation is Dm {
  return conversation instanceof Dm || conversation.conversationType === "dm";
}

function isGroup(conversation: Conversation): conversation is Group {
  return conversation instanceof Group || conversation.conversationType === "group";
}

/** The sender is an admin of the group (async: @x/sdk reads the group's metadata). */
async function isGroupAdmin(conversation: Conversation, message: DecodedMessage): Promise<boolean> {
  return isGroup(conversation) && (await conversation.isAdmin(message.senderInboxId));
}

/** The sender is a super admin of the group. */
async function isGroupSuperAdmin(
  conversation: Conversation,
  message: DecodedMessage,
): Promise<boolean> {
  return isGroup(conversation) && (await conversation.isSuperAdmin(message.senderInboxId));
}

function usesCodec<T>(
  message: DecodedMessage,
  codec: ContentCodec<T>,
): message is DecodedMessage<T> {
  return isContentOf(message, codec);
}

/** Text that starts with `prefix` (e.g. "/"). */
function startsWith(message: DecodedMessage, prefix: string): message is DecodedMessage<string> {
  return isText(message) && message.content?.startsWith(prefix) === true;
}

export const filter = {
  fromSelf,
  hasContent,
  isDM,
  isGroup,
  isGroupAdmin,
  isGroupSuperAdmin,
  usesCodec,
  startsWith,
  isText: isText as (m: DecodedMessage) => m is DecodedMessage<string>,
  isReply: isReply as (m: DecodedMessage) => m is DecodedMessage<EnrichedReply>,
  isTextReply: isTextReply as (m: DecodedMessage) => m is DecodedMessage<EnrichedReply<string>>,
  isReaction: isReaction as (m: DecodedMessage) => m is DecodedMessage<Reaction>,
  isRemoteAttachment: isRemoteAttachment as (
    m: DecodedMessage,
  ) => m is DecodedMessage<RemoteAttachment>,
};

export const f = filter;
