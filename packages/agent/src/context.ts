// The contexts handed to handlers: a conversation (conversation events) and a message in its
// conversation (message events and middleware), with agent-sdk's helpers over @x/sdk.
import {
  type Client,
  ConsentState,
  type ContentCodec,
  type Conversation,
  type DecodedMessage,
  type Dm,
  type EnrichedReply,
  type Group,
  isContentOf,
  isMarkdown,
  isReaction,
  isRemoteAttachment,
  isReply,
  isText,
  isTextReply,
  type Reaction,
  ReactionAction,
  ReactionSchema,
  type RemoteAttachment,
} from "@x/sdk";

/** What every context has: the client (and so the agent's own inbox). */
export class AgentBaseContext {
  constructor(readonly client: Client) {}

  /** The agent's own address (its account identifier). */
  getClientAddress(): string {
    return this.client.accountIdentifier.identifier;
  }
}

export class ConversationContext<C extends Conversation = Group | Dm> extends AgentBaseContext {
  constructor(
    readonly conversation: C,
    client: Client,
  ) {
    super(client);
  }

  isDm(): this is ConversationContext<Dm & C> {
    return this.conversation.conversationType === "dm";
  }

  isGroup(): this is ConversationContext<Group & C> {
    return this.conversation.conversationType === "group";
  }

  async isAllowed(): Promise<boolean> {
    return (await this.conversation.consentState()) === ConsentState.Allowed;
  }

  async isDenied(): Promise<boolean> {
    return (await this.conversation.consentState()) === ConsentState.Denied;
  }

  async isUnknown(): Promise<boolean> {
    return (await this.conversation.consentState()) === ConsentState.Unknown;
  }

  sendText(text: string): Promise<string> {
    return this.conversation.sendText(text);
  }

  sendMarkdown(markdown: string): Promise<string> {
    return this.conversation.sendMarkdown(markdown);
  }

  sendRemoteAttachment(attachment: RemoteAttachment): Promise<string> {
    return this.conversation.sendRemoteAttachment(attachment);
  }
}

/** A message as handlers get it: decoded (its content is never undefined). */
export type AgentMessage<T = unknown> = DecodedMessage<T> & { content: T };

export class MessageContext<
  T = unknown,
  C extends Conversation = Group | Dm,
> extends ConversationContext<C> {
  constructor(
    readonly message: AgentMessage<T>,
    conversation: C,
    client: Client,
  ) {
    super(conversation, client);
  }

  isText(): this is MessageContext<string, C> {
    return isText(this.message);
  }

  isMarkdown(): this is MessageContext<string, C> {
    return isMarkdown(this.message);
  }

  isReply(): this is MessageContext<EnrichedReply, C> {
    return isReply(this.message);
  }

  isTextReply(): this is MessageContext<EnrichedReply<string>, C> {
    return isTextReply(this.message);
  }

  isReaction(): this is MessageContext<Reaction, C> {
    return isReaction(this.message);
  }

  isRemoteAttachment(): this is MessageContext<RemoteAttachment, C> {
    return isRemoteAttachment(this.message);
  }

  usesCodec<U>(codec: ContentCodec<U>): this is MessageContext<U, C> {
    return isContentOf(this.message, codec);
  }

  /** Answers this message with a text reply (it quotes the message). */
  sendTextReply(text: string): Promise<string> {
    return this.conversation.sendReply({
      reference: this.message.id,
      referenceInboxId: this.message.senderInboxId,
      content: text,
    });
  }

  /** The same as sendTextReply. */
  sendReply(text: string): Promise<string> {
    return this.sendTextReply(text);
  }

  /** Reacts to this message (an emoji by default; `schema` "shortcode" or "custom" otherwise). */
  sendReaction(
    content: string,
    schema: ReactionSchema = ReactionSchema.Unicode,
    action: ReactionAction = ReactionAction.Added,
  ): Promise<string> {
    return this.conversation.sendReaction({
      reference: this.message.id,
      referenceInboxId: this.message.senderInboxId,
      action,
      content,
      schema,
    });
  }

  /** The sender's first account identifier (its address), from the conversation's members. */
  async getSenderAddress(): Promise<string | undefined> {
    const members = await this.conversation.members();
    const sender = members.find((m) => m.inboxId === this.message.senderInboxId);
    return sender?.accountIdentifiers[0]?.identifier;
  }
}
