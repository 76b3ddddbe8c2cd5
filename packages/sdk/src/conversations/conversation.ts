// Conversation, Group and Dm with node-sdk's names over @x/mls's Group and Dm. Group metadata
// (name, description, imageUrl, appData) and isActive are properties, as in node-sdk: a snapshot
// refreshed whenever the conversation is synced, updated, fetched again, or a stream sees it
// change; everything else reads the database on each call.
import {
  type Actions,
  ActionsCodec,
  type Attachment,
  AttachmentCodec,
  type ContentCodec,
  type ContentTypeId,
  ContentTypeLegacyReaction,
  ContentTypeReaction,
  ContentTypeReadReceipt,
  ContentTypeReply,
  contentTypeKey,
  type EncodedContent,
  encodeContentMessage,
  type Intent,
  IntentCodec,
  MarkdownCodec,
  type MultiRemoteAttachment,
  MultiRemoteAttachmentCodec,
  type Reaction,
  ReactionCodec,
  ReadReceiptCodec,
  type RemoteAttachment,
  RemoteAttachmentCodec,
  ReplyCodec,
  TextCodec,
  type TransactionReference,
  TransactionReferenceCodec,
  type WalletSendCalls,
  WalletSendCallsCodec,
} from "@x/content-types";
import type {
  Conversation as MlsConversation,
  Dm as MlsDm,
  Group as MlsGroup,
  DecodedMessage as MlsMessage,
} from "@x/mls";
import { fromIdIdentifier, type Identifier } from "../client/identifiers.js";
import { type DecodedMessage, enrich, toSdkMessage } from "../content/message.js";
import {
  type ConsentState,
  type ConversationType,
  consentStateOf,
  type DeliveryStatus,
  type GroupMessageKind,
  type MetadataField,
  type PermissionLevel,
  type PermissionPolicy,
  type PermissionUpdateType,
  type SortDirection,
} from "../enums.js";
import { invalidArgument, notSupported } from "../errors.js";
import type { SdkContext } from "./context.js";
import { type AsyncStream, openStream, type StreamOptions } from "./stream.js";

/** node-sdk 6.1's send options (a boolean, node-sdk 6.0's `isOptimistic`, is taken too). */
export interface SendOptions {
  /** Not available: @x/mls stores and publishes in one call (see the README). */
  optimistic?: boolean;
  /** Not available: @x/mls chooses the idempotency key. */
  idempotencyKey?: string;
}

/** send(): also whether the message should trigger a push notification (default true). */
export interface SendEncodedOptions extends SendOptions {
  shouldPush?: boolean;
}

export interface ListMessagesOptions {
  sentBeforeNs?: bigint;
  sentAfterNs?: bigint;
  limit?: number;
  direction?: SortDirection;
  /** Only these content types. */
  contentTypes?: ContentTypeId[];
  excludeContentTypes?: ContentTypeId[];
  excludeSenderInboxIds?: string[];
  kind?: GroupMessageKind;
  deliveryStatus?: DeliveryStatus;
  /** Not available (@x/mls lists by sent time only). */
  insertedAfterNs?: bigint;
  /** Not available. */
  insertedBeforeNs?: bigint;
  /** Only "sentAt" is available. */
  sortBy?: "sentAt" | "insertedAt";
}

export interface GroupMember {
  inboxId: string;
  accountIdentifiers: Identifier[];
  installationIds: string[];
  permissionLevel: PermissionLevel;
  consentState: ConsentState;
}

export interface MessageDisappearingSettings {
  fromNs: bigint;
  inNs: bigint;
}

/** The reply to send: the message replied to and the reply's content (text, or encoded). */
export interface ReplyInput {
  reference: string;
  referenceInboxId?: string;
  content: EncodedContent | string;
}

export type ReactionInput = Omit<Reaction, "action" | "schema" | "referenceInboxId"> & {
  referenceInboxId?: string;
  action: Reaction["action"] | number | "Added" | "Removed";
  schema: Reaction["schema"] | number | "Unicode" | "Shortcode" | "Custom";
};

interface Snapshot {
  isActive: boolean;
  name: string;
  description: string;
  imageUrl: string;
  appData: string;
}

/** messages() reads at least this many stored messages at a time when it filters. */
const MIN_PAGE = 50;
/** Content types messages() leaves out unless contentTypes names them (as libxmtp 1.9.1). */
const HIDDEN_BY_DEFAULT = [ContentTypeReaction, ContentTypeLegacyReaction, ContentTypeReadReceipt];

const ACTION_NUMBERS = ["unknown", "added", "removed"] as const;
const SCHEMA_NUMBERS = ["unknown", "unicode", "shortcode", "custom"] as const;

function normalizeReaction(r: ReactionInput): Reaction {
  if (typeof r !== "object" || r === null || typeof r.reference !== "string") {
    throw invalidArgument(
      "a reaction needs reference (the hex id of the message), action, content, schema",
    );
  }
  const action =
    typeof r.action === "number" ? ACTION_NUMBERS[r.action] : String(r.action).toLowerCase();
  const schema =
    typeof r.schema === "number" ? SCHEMA_NUMBERS[r.schema] : String(r.schema).toLowerCase();
  if (action !== "added" && action !== "removed") {
    throw invalidArgument(
      `reaction.action must be ReactionAction.Added or .Removed, got ${JSON.stringify(r.action)}`,
    );
  }
  if (schema !== "unicode" && schema !== "shortcode" && schema !== "custom") {
    throw invalidArgument(
      `reaction.schema must be ReactionSchema.Unicode, .Shortcode or .Custom, got ${JSON.stringify(r.schema)}`,
    );
  }
  return {
    reference: r.reference,
    referenceInboxId: r.referenceInboxId ?? "",
    action,
    content: r.content,
    schema,
  };
}

function checkSendOptions(options: SendOptions | boolean | undefined): void {
  if (options === undefined || options === false) return;
  const optimistic = options === true || options.optimistic === true;
  if (optimistic) {
    throw notSupported(
      "optimistic sends are not available: @x/mls stores a message and publishes it in one call. Send without optimistic; a message whose publish failed stays stored and goes out with publishMessages() or the next sync()",
    );
  }
  if (typeof options === "object" && options.idempotencyKey !== undefined) {
    throw notSupported("idempotencyKey is not available: @x/mls chooses the idempotency key");
  }
}

/** A codec that sends an EncodedContent as it is. */
function passthrough(encoded: EncodedContent, shouldPush: boolean): ContentCodec<EncodedContent> {
  if (typeof encoded !== "object" || encoded === null || encoded.type === undefined) {
    throw invalidArgument(
      "send() takes an EncodedContent with a type (e.g. codec.encode(content))",
    );
  }
  return {
    contentType: encoded.type,
    encode: (e) => e,
    decode: (e) => e,
    fallback: (e) => e.fallback,
    shouldPush: () => shouldPush,
  };
}

export class Conversation {
  protected snapshot: Snapshot = {
    isActive: true,
    name: "",
    description: "",
    imageUrl: "",
    appData: "",
  };

  /** @internal Made by client.conversations. */
  constructor(
    protected readonly ctx: SdkContext,
    protected inner: MlsConversation,
  ) {}

  /** @internal The newest @x/mls object for this conversation, and a fresh snapshot. */
  async refresh(inner: MlsConversation = this.inner): Promise<this> {
    this.inner = inner;
    const ext = await inner.extensions();
    const a = ext.mutableMetadata.attributes;
    this.snapshot = {
      isActive: await inner.isActive(),
      name: a.group_name ?? "",
      description: a.description ?? "",
      imageUrl: a.group_image_url_square ?? "",
      appData: a.app_data ?? "",
    };
    return this;
  }

  /** @internal */
  get mls(): MlsConversation {
    return this.inner;
  }

  get id(): string {
    return this.inner.id;
  }

  get conversationType(): ConversationType {
    return this.inner.conversationType;
  }

  /** Whether we are still a member (as of the last refresh). */
  get isActive(): boolean {
    return this.snapshot.isActive;
  }

  get addedByInboxId(): string {
    return this.inner.addedByInboxId;
  }

  get createdAtNs(): bigint {
    return this.inner.createdAtNs;
  }

  get createdAt(): Date {
    return new Date(Number(this.inner.createdAtNs / 1_000_000n));
  }

  /** The group's topic on the network (for push servers). */
  get topic(): string {
    return `/xmtp/mls/1/g-${this.id}/proto`;
  }

  async metadata(): Promise<{ creatorInboxId: string; conversationType: ConversationType }> {
    const ext = await this.inner.extensions();
    return {
      creatorInboxId: ext.metadata.creatorInboxId,
      conversationType: this.conversationType,
    };
  }

  async members(): Promise<GroupMember[]> {
    const members = await this.inner.members();
    return Promise.all(
      members.map(async (m) => {
        let accountIdentifiers: Identifier[] = [];
        try {
          const state = await this.ctx.mls.inboxState(false, m.inboxId);
          accountIdentifiers = state.identifiers.map(fromIdIdentifier);
        } catch {
          // not stored (yet): the identifiers are unknown here
        }
        return {
          inboxId: m.inboxId,
          accountIdentifiers,
          installationIds: m.installationIds,
          permissionLevel: m.permissionLevel,
          consentState: await this.ctx.mls.preferences.getConsentState("inbox_id", m.inboxId),
        };
      }),
    );
  }

  /** Reads new messages and commits from the network, and finishes interrupted sends. */
  async sync(): Promise<void> {
    await this.inner.sync();
    await this.refresh();
  }

  /**
   * Publishes messages stored but not published (a send whose publish failed): @x/mls's sync
   * finishes them (node-sdk's queue of optimistic messages does not exist here).
   */
  async publishMessages(): Promise<void> {
    await this.sync();
  }

  /** This conversation's messages as they arrive (first those since the last sync). */
  async stream(options: StreamOptions<DecodedMessage> = {}): Promise<AsyncStream<DecodedMessage>> {
    return openStream<MlsMessage, DecodedMessage>(
      {
        what: `conversation ${this.id}`,
        open: (o) => this.inner.stream(o),
        convert: (m) => this.convertStreamed(m),
        key: (m) => m.id,
        timeOf: (m) => m.sentAtNs,
        catchUp: async (since) =>
          (await this.inner.messages({ sentAfterNs: since })).map((m) =>
            toSdkMessage(m, this.ctx.codecs),
          ),
      },
      options,
      this.ctx.streamHooks,
    );
  }

  /** @internal A streamed message: converted, the reply's target looked up, metadata refreshed. */
  async convertStreamed(m: MlsMessage): Promise<DecodedMessage> {
    if (m.kind === "membership_change") {
      await this.refresh().catch(() => {});
    }
    const message = toSdkMessage(m, this.ctx.codecs);
    await enrich([message], [], (id) => this.ctx.getMessageById(id)).catch(() => {});
    return message;
  }

  // ---- sending ----

  /** Sends encoded content (e.g. `codec.encode(value)` of a custom codec); returns the message id. */
  async send(encoded: EncodedContent, options: SendEncodedOptions = {}): Promise<string> {
    checkSendOptions(options);
    return this.inner.send(encoded, passthrough(encoded, options.shouldPush ?? true));
  }

  protected sendWith<T>(value: T, codec: ContentCodec<T>, options?: SendOptions | boolean) {
    checkSendOptions(options);
    return this.inner.send(value, codec);
  }

  async sendText(text: string, options?: SendOptions | boolean): Promise<string> {
    if (typeof text !== "string") throw invalidArgument("sendText takes a string");
    return this.sendWith(text, new TextCodec(), options);
  }

  async sendMarkdown(markdown: string, options?: SendOptions | boolean): Promise<string> {
    if (typeof markdown !== "string") throw invalidArgument("sendMarkdown takes a string");
    return this.sendWith(markdown, new MarkdownCodec(), options);
  }

  async sendReaction(reaction: ReactionInput, options?: SendOptions | boolean): Promise<string> {
    return this.sendWith(normalizeReaction(reaction), new ReactionCodec(), options);
  }

  async sendReply(reply: ReplyInput, options?: SendOptions | boolean): Promise<string> {
    if (typeof reply !== "object" || reply === null || typeof reply.reference !== "string") {
      throw invalidArgument("a reply needs reference (the hex id of the message) and content");
    }
    const content =
      typeof reply.content === "string"
        ? encodeContentMessage(new TextCodec(), reply.content)
        : reply.content;
    return this.sendWith(
      {
        reference: reply.reference,
        referenceInboxId: reply.referenceInboxId,
        content,
      },
      new ReplyCodec(),
      options,
    );
  }

  async sendReadReceipt(options?: SendOptions | boolean): Promise<string> {
    return this.sendWith({}, new ReadReceiptCodec(), options);
  }

  async sendAttachment(attachment: Attachment, options?: SendOptions | boolean): Promise<string> {
    return this.sendWith(attachment, new AttachmentCodec(), options);
  }

  async sendRemoteAttachment(
    remoteAttachment: RemoteAttachment,
    options?: SendOptions | boolean,
  ): Promise<string> {
    return this.sendWith(remoteAttachment, new RemoteAttachmentCodec(), options);
  }

  async sendMultiRemoteAttachment(
    multiRemoteAttachment: MultiRemoteAttachment,
    options?: SendOptions | boolean,
  ): Promise<string> {
    return this.sendWith(multiRemoteAttachment, new MultiRemoteAttachmentCodec(), options);
  }

  async sendTransactionReference(
    transactionReference: TransactionReference,
    options?: SendOptions | boolean,
  ): Promise<string> {
    return this.sendWith(transactionReference, new TransactionReferenceCodec(), options);
  }

  async sendWalletSendCalls(
    walletSendCalls: WalletSendCalls,
    options?: SendOptions | boolean,
  ): Promise<string> {
    return this.sendWith(walletSendCalls, new WalletSendCallsCodec(), options);
  }

  async sendActions(actions: Actions, options?: SendOptions | boolean): Promise<string> {
    return this.sendWith(actions, new ActionsCodec(), options);
  }

  async sendIntent(intent: Intent, options?: SendOptions | boolean): Promise<string> {
    return this.sendWith(intent, new IntentCodec(), options);
  }

  /**
   * Deletes a message for every member (its sender or a super admin may; libxmtp 1.9's
   * DeleteMessage). Returns the id of the deletion message.
   */
  async deleteMessage(messageId: string): Promise<string> {
    return this.inner.deleteMessage(messageId);
  }

  // ---- reading ----

  /** Stored messages, enriched: reactions and reply counts attached, replies with inReplyTo. */
  async messages(options: ListMessagesOptions = {}): Promise<DecodedMessage[]> {
    const page = await this.list(options);
    if (page.length === 0) return page;
    let oldest = page[0]!.sentAtNs;
    for (const m of page) if (m.sentAtNs < oldest) oldest = m.sentAtNs;
    const related = (
      await this.inner.messages({
        sentAfterNs: oldest > 0n ? oldest - 1n : 0n,
        contentTypes: [ContentTypeReaction, ContentTypeLegacyReaction, ContentTypeReply],
      })
    ).map((m) => toSdkMessage(m, this.ctx.codecs));
    return enrich(page, related, (id) => this.ctx.getMessageById(id));
  }

  private async list(options: ListMessagesOptions): Promise<DecodedMessage[]> {
    if (typeof options !== "object" || options === null) {
      throw invalidArgument("messages() options must be an object");
    }
    if (
      options.insertedAfterNs !== undefined ||
      options.insertedBeforeNs !== undefined ||
      options.sortBy === "insertedAt"
    ) {
      throw notSupported(
        "insertedAfterNs, insertedBeforeNs and sortBy insertedAt are not available: @x/mls lists messages by sent time",
      );
    }
    if (
      options.direction !== undefined &&
      options.direction !== "ascending" &&
      options.direction !== "descending"
    ) {
      throw invalidArgument(
        'direction must be SortDirection.Ascending or .Descending ("ascending", "descending")',
      );
    }
    // As libxmtp 1.9.1 lists messages: reactions (attached to their message) and read receipts
    // (see lastReadTimes) are left out unless asked for by contentTypes.
    const excluded = new Set(
      [
        ...(options.contentTypes === undefined ? HIDDEN_BY_DEFAULT : []),
        ...(options.excludeContentTypes ?? []),
      ].map(contentTypeKey),
    );
    const excludedSenders = new Set(options.excludeSenderInboxIds ?? []);
    const keep = (m: DecodedMessage) =>
      (m.contentType === undefined || !excluded.has(contentTypeKey(m.contentType))) &&
      !excludedSenders.has(m.senderInboxId) &&
      (options.kind === undefined || m.kind === options.kind) &&
      (options.deliveryStatus === undefined || m.deliveryStatus === options.deliveryStatus);
    const descending = options.direction === "descending";
    const limit = options.limit;
    // Pages of what @x/mls stores, filtered here, until `limit` messages are kept.
    const pageSize = limit === undefined ? undefined : Math.max(2 * limit, MIN_PAGE);
    let after = options.sentAfterNs;
    let before = options.sentBeforeNs;
    const out: DecodedMessage[] = [];
    const seen = new Set<string>();
    for (;;) {
      const rows = await this.inner.messages({
        ...(after === undefined ? {} : { sentAfterNs: after }),
        ...(before === undefined ? {} : { sentBeforeNs: before }),
        ...(options.direction === undefined ? {} : { direction: options.direction }),
        ...(options.contentTypes === undefined ? {} : { contentTypes: options.contentTypes }),
        ...(options.kind === "application" ? { includeTranscript: false } : {}),
        ...(pageSize === undefined ? {} : { limit: pageSize }),
      });
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        const m = toSdkMessage(row, this.ctx.codecs);
        if (keep(m)) out.push(m);
        if (limit !== undefined && out.length >= limit) return out;
      }
      if (pageSize === undefined || rows.length < pageSize) return out;
      // The next page starts at the last time seen (ids seen there are skipped above); if a whole
      // page shared one timestamp, past it.
      const last = rows.at(-1)!.sentAtNs;
      const same = rows.every((r) => r.sentAtNs === last);
      if (descending) before = same ? last : last + 1n;
      else after = same ? last : last - 1n;
    }
  }

  async countMessages(
    options: Omit<ListMessagesOptions, "limit" | "direction"> = {},
  ): Promise<number> {
    return (await this.list({ ...options, limit: undefined })).length;
  }

  async lastMessage(): Promise<DecodedMessage | undefined> {
    const [last] = await this.messages({ direction: "descending", limit: 1 });
    return last;
  }

  /** When each inbox last sent a read receipt here (ns), from the stored read receipts. */
  async lastReadTimes(): Promise<Record<string, bigint>> {
    const receipts = await this.inner.messages({ contentTypes: [ContentTypeReadReceipt] });
    const out: Record<string, bigint> = {};
    for (const r of receipts) {
      const seen = out[r.senderInboxId];
      if (seen === undefined || r.sentAtNs > seen) out[r.senderInboxId] = r.sentAtNs;
    }
    return out;
  }

  // ---- consent, disappearing messages, keys ----

  async consentState(): Promise<ConsentState> {
    return this.inner.consentState();
  }

  async updateConsentState(state: ConsentState): Promise<void> {
    return this.inner.updateConsentState(consentStateOf(state, "state"));
  }

  async messageDisappearingSettings(): Promise<MessageDisappearingSettings | undefined> {
    return this.inner.messageDisappearingSettings();
  }

  async updateMessageDisappearingSettings(fromNs: bigint, inNs: bigint): Promise<void> {
    await this.inner.updateMessageDisappearingSettings({ fromNs, inNs });
    await this.refresh();
  }

  async removeMessageDisappearingSettings(): Promise<void> {
    await this.inner.removeMessageDisappearingSettings();
    await this.refresh();
  }

  async isMessageDisappearingEnabled(): Promise<boolean> {
    return this.inner.isMessageDisappearingEnabled();
  }

  async hmacKeys(): Promise<Record<string, { key: Uint8Array; epoch: bigint }[]>> {
    return this.inner.hmacKeys();
  }

  /** What @x/mls knows for debugging: the MLS epoch (no commit-log fork detection yet). */
  /** node-sdk's debugInfo: the epoch and the fork state (commit-log state: null, not kept yet). */
  async debugInfo(): Promise<{
    epoch: bigint;
    maybeForked: boolean;
    forkDetails: string;
    isCommitLogForked: boolean | null;
  }> {
    return this.inner.debugInfo();
  }
}

export class Group extends Conversation {
  private get group(): MlsGroup {
    return this.inner as MlsGroup;
  }

  get name(): string {
    return this.snapshot.name;
  }

  get description(): string {
    return this.snapshot.description;
  }

  get imageUrl(): string {
    return this.snapshot.imageUrl;
  }

  get appData(): string {
    return this.snapshot.appData;
  }

  private async afterChange(op: Promise<void>): Promise<void> {
    await op;
    await this.refresh();
  }

  async updateName(name: string): Promise<void> {
    return this.afterChange(this.group.updateName(name));
  }

  async updateDescription(description: string): Promise<void> {
    return this.afterChange(this.group.updateDescription(description));
  }

  async updateImageUrl(imageUrl: string): Promise<void> {
    return this.afterChange(this.group.updateImageUrl(imageUrl));
  }

  async updateAppData(appData: string): Promise<void> {
    return this.afterChange(this.group.updateAppData(appData));
  }

  permissions(): ReturnType<MlsGroup["permissions"]> {
    return this.group.permissions();
  }

  async updatePermission(
    permissionType: PermissionUpdateType,
    policy: PermissionPolicy,
    metadataField?: MetadataField,
  ): Promise<void> {
    return this.group.updatePermission(permissionType, policy, metadataField);
  }

  async listAdmins(): Promise<string[]> {
    return this.group.listAdmins();
  }

  async listSuperAdmins(): Promise<string[]> {
    return this.group.listSuperAdmins();
  }

  async isAdmin(inboxId: string): Promise<boolean> {
    return this.group.isAdmin(inboxId);
  }

  async isSuperAdmin(inboxId: string): Promise<boolean> {
    return this.group.isSuperAdmin(inboxId);
  }

  async addMembers(inboxIds: string[]): Promise<void> {
    return this.afterChange(this.group.addMembers(inboxIds));
  }

  async addMembersByIdentifiers(identifiers: Identifier[]): Promise<void> {
    await this.addMembers(await this.ctx.requireInboxIds(identifiers));
  }

  async removeMembers(inboxIds: string[]): Promise<void> {
    return this.afterChange(this.group.removeMembers(inboxIds));
  }

  async removeMembersByIdentifiers(identifiers: Identifier[]): Promise<void> {
    await this.removeMembers(await this.ctx.requireInboxIds(identifiers));
  }

  async addAdmin(inboxId: string): Promise<void> {
    return this.group.addAdmin(inboxId);
  }

  async removeAdmin(inboxId: string): Promise<void> {
    return this.group.removeAdmin(inboxId);
  }

  async addSuperAdmin(inboxId: string): Promise<void> {
    return this.group.addSuperAdmin(inboxId);
  }

  async removeSuperAdmin(inboxId: string): Promise<void> {
    return this.group.removeSuperAdmin(inboxId);
  }

  /** Asks to leave (a super admin's client removes us). */
  async requestRemoval(): Promise<void> {
    return this.group.requestRemoval();
  }

  async isPendingRemoval(): Promise<boolean> {
    return this.group.isPendingRemoval();
  }
}

export class Dm extends Conversation {
  /** The other inbox. */
  get peerInboxId(): string {
    return (this.inner as MlsDm).peerInboxId;
  }
}
