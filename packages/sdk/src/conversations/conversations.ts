// client.conversations with node-sdk's names over @x/mls's Conversations. One Group / Dm object
// per conversation id (kept for the client's life), so a snapshot refreshed by a stream or a sync
// is the one the app holds.
import type {
  MessageDisappearingSettings,
  Conversation as MlsConversation,
  DecodedMessage as MlsMessage,
} from "@x/mls";
import type { Identifier } from "../client/identifiers.js";
import { toIdIdentifier } from "../client/identifiers.js";
import { inboxIdsOf } from "../client/inbox.js";
import { checkInboxId, checkInboxIds } from "../client/statics.js";
import { type DecodedMessage, enrich, toSdkMessage } from "../content/message.js";
import {
  type ConsentState,
  type ConversationType,
  consentStatesOf,
  conversationTypeOf,
  type ListConversationsOrderBy,
} from "../enums.js";
import { invalidArgument, notSupported } from "../errors.js";
import type { SdkContext } from "./context.js";
import { Dm, Group } from "./conversation.js";
import { mlsPermissions, type PermissionPolicySet } from "./permissions.js";
import { type AsyncStream, openStream, type StreamOptions } from "./stream.js";

export interface CreateGroupOptions {
  /** GroupPermissionsOptions.Default (all members may add; admins remove), .AdminOnly, .CustomPolicy. */
  permissions?: unknown;
  /** With permissions CustomPolicy. */
  customPermissionPolicySet?: PermissionPolicySet;
  groupName?: string;
  groupImageUrlSquare?: string;
  groupDescription?: string;
  messageDisappearingSettings?: MessageDisappearingSettings;
  appData?: string;
}

export interface CreateDmOptions {
  messageDisappearingSettings?: MessageDisappearingSettings;
}

export interface ListConversationsOptions {
  /** Default allowed and unknown (as libxmtp). */
  consentStates?: ConsentState[];
  conversationType?: ConversationType;
  createdAfterNs?: bigint;
  createdBeforeNs?: bigint;
  limit?: number;
  /** LastActivity (default) or CreatedAt; both newest first. */
  orderBy?: ListConversationsOrderBy;
  /** Not available: duplicate DMs are always stitched into one. */
  includeDuplicateDms?: boolean;
}

export type StreamConversationsOptions = StreamOptions<Group | Dm> & {
  conversationType?: ConversationType;
};

export type StreamAllMessagesOptions = StreamOptions<DecodedMessage> & {
  conversationType?: ConversationType;
  /** Default: every state. */
  consentStates?: ConsentState[];
};

/** What syncAll did (node-sdk's GroupSyncSummary has numEligible and numSynced). */
export interface SyncSummary {
  /** Conversations in the consent states asked for. */
  numEligible: number;
  /** Messages read from the network. */
  numMessages: number;
}

const ALL_STATES: ConsentState[] = ["unknown", "allowed", "denied"];

function checkCreatedRange(o: ListConversationsOptions): void {
  for (const name of ["createdAfterNs", "createdBeforeNs"] as const) {
    if (o[name] !== undefined && typeof o[name] !== "bigint") {
      throw invalidArgument(`${name} must be a bigint (ns)`);
    }
  }
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 0)) {
    throw invalidArgument("limit must be a whole number ≥ 0");
  }
}

export class Conversations {
  readonly #objects = new Map<string, Group | Dm>();

  /** @internal Made by the client. */
  constructor(private readonly ctx: SdkContext) {}

  private get mls() {
    return this.ctx.mls.conversations;
  }

  /** @internal The one SDK object of an @x/mls conversation, its snapshot fresh. */
  async wrap(c: MlsConversation): Promise<Group | Dm> {
    let found = this.#objects.get(c.id);
    if (found === undefined) {
      found = c.conversationType === "dm" ? new Dm(this.ctx, c) : new Group(this.ctx, c);
      this.#objects.set(c.id, found);
    }
    return found.refresh(c);
  }

  /** @internal The SDK object of a conversation id, if one was handed out. */
  known(id: string): Group | Dm | undefined {
    return this.#objects.get(id);
  }

  /** The welcome topic of this installation (for push servers). */
  get topic(): string {
    return `/xmtp/mls/1/w-${this.ctx.mls.installationId}/proto`;
  }

  // ---- creating ----

  async createGroup(inboxIds: string[], options: CreateGroupOptions = {}): Promise<Group> {
    const ids = checkInboxIds(inboxIds);
    if (typeof options !== "object" || options === null) {
      throw invalidArgument("createGroup options must be an object");
    }
    const permissions = mlsPermissions(options.permissions, options.customPermissionPolicySet);
    const group = await this.mls.createGroup(ids, {
      ...(options.groupName === undefined ? {} : { name: options.groupName }),
      ...(options.groupDescription === undefined ? {} : { description: options.groupDescription }),
      ...(options.groupImageUrlSquare === undefined
        ? {}
        : { imageUrlSquare: options.groupImageUrlSquare }),
      ...(options.appData === undefined ? {} : { appData: options.appData }),
      ...(options.messageDisappearingSettings === undefined
        ? {}
        : { messageDisappearing: options.messageDisappearingSettings }),
      ...(permissions === undefined ? {} : { permissions }),
    });
    return (await this.wrap(group)) as Group;
  }

  async createGroupWithIdentifiers(
    identifiers: Identifier[],
    options: CreateGroupOptions = {},
  ): Promise<Group> {
    return this.createGroup(await this.ctx.requireInboxIds(identifiers), options);
  }

  /** The DM with `inboxId`: the existing one, or a new one. */
  async createDm(inboxId: string, options: CreateDmOptions = {}): Promise<Dm> {
    const peer = checkInboxId(inboxId);
    const dm = await this.mls.createDm(
      peer,
      options.messageDisappearingSettings === undefined
        ? {}
        : { messageDisappearing: options.messageDisappearingSettings },
    );
    return (await this.wrap(dm)) as Dm;
  }

  async createDmWithIdentifier(identifier: Identifier, options: CreateDmOptions = {}): Promise<Dm> {
    const [inboxId] = await this.ctx.requireInboxIds([identifier]);
    return this.createDm(inboxId!, options);
  }

  /** Not available: @x/mls publishes a group's first commit when it creates it. */
  createGroupOptimistic(): never {
    throw notSupported(
      "createGroupOptimistic is not available: @x/mls creates a group with its first commit online; use createGroup",
    );
  }

  // ---- finding (local) ----

  async list(options: ListConversationsOptions = {}): Promise<(Group | Dm)[]> {
    if (typeof options !== "object" || options === null) {
      throw invalidArgument("list options must be an object");
    }
    if (options.includeDuplicateDms === true) {
      throw notSupported("includeDuplicateDms is not available: duplicate DMs are always stitched");
    }
    checkCreatedRange(options);
    const conversationType = conversationTypeOf(options.conversationType);
    const consentStates = consentStatesOf(options.consentStates);
    if (
      options.orderBy !== undefined &&
      options.orderBy !== "createdAt" &&
      options.orderBy !== "lastActivity"
    ) {
      throw invalidArgument("orderBy must be ListConversationsOrderBy.CreatedAt or .LastActivity");
    }
    let rows = await this.mls.list({
      ...(conversationType === undefined ? {} : { conversationType }),
      ...(consentStates === undefined ? {} : { consentStates }),
    });
    const { createdAfterNs: after, createdBeforeNs: before } = options;
    rows = rows.filter(
      (c) =>
        (after === undefined || c.createdAtNs > after) &&
        (before === undefined || c.createdAtNs < before),
    );
    if (options.orderBy === "createdAt") {
      rows.sort((a, b) =>
        a.createdAtNs === b.createdAtNs ? 0 : a.createdAtNs > b.createdAtNs ? -1 : 1,
      );
    }
    if (options.limit !== undefined) rows = rows.slice(0, options.limit);
    return Promise.all(rows.map((c) => this.wrap(c)));
  }

  async listGroups(
    options: Omit<ListConversationsOptions, "conversationType"> = {},
  ): Promise<Group[]> {
    return (await this.list({ ...options, conversationType: "group" })) as Group[];
  }

  async listDms(options: Omit<ListConversationsOptions, "conversationType"> = {}): Promise<Dm[]> {
    return (await this.list({ ...options, conversationType: "dm" })) as Dm[];
  }

  /** A conversation by hex id (for a DM: the DM, whichever of its stitched groups the id names). */
  async getConversationById(id: string): Promise<Group | Dm | undefined> {
    if (typeof id !== "string") throw invalidArgument("id must be a hex conversation id");
    const c = await this.mls.getConversationById(id);
    return c === undefined ? undefined : this.wrap(c);
  }

  /** The DM with an inbox, from this database. */
  async getDmByInboxId(inboxId: string): Promise<Dm | undefined> {
    const dm = await this.mls.getDmByInboxId(checkInboxId(inboxId));
    return dm === undefined ? undefined : ((await this.wrap(dm)) as Dm);
  }

  /** The DM with an identifier's inbox (its inbox id looked up on the network). */
  async fetchDmByIdentifier(identifier: Identifier): Promise<Dm | undefined> {
    const [inboxId] = await inboxIdsOf(this.ctx.api, [toIdIdentifier(identifier)]);
    return inboxId === undefined ? undefined : this.getDmByInboxId(inboxId);
  }

  /** A stored message by hex id. */
  async getMessageById(id: string): Promise<DecodedMessage | undefined> {
    return this.ctx.getMessageById(id);
  }

  /** Deletes a message from this database only (no one else is told). */
  async deleteMessageById(id: string): Promise<boolean> {
    return this.mls.deleteMessageById(id);
  }

  async hmacKeys(): Promise<Record<string, { key: Uint8Array; epoch: bigint }[]>> {
    return this.mls.hmacKeys();
  }

  // ---- syncing ----

  /** New welcomes: joins the conversations we were added to. */
  async sync(): Promise<void> {
    await this.mls.sync();
  }

  /** Welcomes, then every conversation with something new (in `consentStates`, default all). */
  async syncAll(consentStates?: ConsentState[]): Promise<SyncSummary> {
    const states = consentStatesOf(consentStates);
    const result = await this.mls.syncAll(states);
    await Promise.all([...this.#objects.values()].map((o) => o.refresh().catch(() => o)));
    return { numEligible: result.conversations, numMessages: result.messages };
  }

  // ---- streams ----

  /** New conversations (joined from welcomes, or created here) as they come. */
  async stream(options: StreamConversationsOptions = {}): Promise<AsyncStream<Group | Dm>> {
    const conversationType = conversationTypeOf(options.conversationType);
    return openStream<MlsConversation, Group | Dm>(
      {
        what: conversationType === undefined ? "new conversations" : `new ${conversationType}s`,
        open: (o) =>
          this.mls.stream({
            ...o,
            ...(conversationType === undefined ? {} : { conversationType }),
          }),
        convert: (c) => this.wrap(c),
        key: (c) => c.id,
        timeOf: (c) => c.createdAtNs,
        catchUp: async (since) =>
          (
            await this.list({
              consentStates: ALL_STATES,
              createdAfterNs: since,
              orderBy: "createdAt",
            })
          )
            .filter(
              (c) => conversationType === undefined || c.conversationType === conversationType,
            )
            .reverse(),
      },
      options,
      this.ctx.streamHooks,
    );
  }

  async streamGroups(options: StreamOptions<Group> = {}): Promise<AsyncStream<Group>> {
    return this.stream({
      ...(options as StreamOptions<Group | Dm>),
      conversationType: "group",
    }) as Promise<AsyncStream<Group>>;
  }

  async streamDms(options: StreamOptions<Dm> = {}): Promise<AsyncStream<Dm>> {
    return this.stream({
      ...(options as StreamOptions<Group | Dm>),
      conversationType: "dm",
    }) as Promise<AsyncStream<Dm>>;
  }

  /**
   * Every message of every conversation (ours too), first those that arrived since the last sync,
   * then live; conversations joined later are included as they come.
   */
  async streamAllMessages(
    options: StreamAllMessagesOptions = {},
  ): Promise<AsyncStream<DecodedMessage>> {
    const conversationType = conversationTypeOf(options.conversationType);
    const consentStates = consentStatesOf(options.consentStates);
    return openStream<MlsMessage, DecodedMessage>(
      {
        what: `messages of every ${conversationType ?? "conversation"}`,
        open: (o) =>
          this.mls.streamAllMessages({
            ...o,
            ...(conversationType === undefined ? {} : { conversationType }),
            ...(consentStates === undefined ? {} : { consentStates }),
          }),
        convert: (m) => this.convertStreamed(m),
        key: (m) => m.id,
        timeOf: (m) => m.sentAtNs,
        catchUp: async (since) => {
          const conversations = await this.mls.list({
            consentStates: consentStates ?? ALL_STATES,
            ...(conversationType === undefined ? {} : { conversationType }),
          });
          const messages = (
            await Promise.all(conversations.map((c) => c.messages({ sentAfterNs: since })))
          ).flat();
          messages.sort((a, b) =>
            a.sentAtNs === b.sentAtNs ? 0 : a.sentAtNs < b.sentAtNs ? -1 : 1,
          );
          return messages.map((m) => toSdkMessage(m, this.ctx.codecs));
        },
      },
      options,
      this.ctx.streamHooks,
    );
  }

  async streamAllGroupMessages(
    options: Omit<StreamAllMessagesOptions, "conversationType"> = {},
  ): Promise<AsyncStream<DecodedMessage>> {
    return this.streamAllMessages({ ...options, conversationType: "group" });
  }

  async streamAllDmMessages(
    options: Omit<StreamAllMessagesOptions, "conversationType"> = {},
  ): Promise<AsyncStream<DecodedMessage>> {
    return this.streamAllMessages({ ...options, conversationType: "dm" });
  }

  /** The hex ids of messages deleted from now on, as this client sees the deletions (local). */
  async streamMessageDeletions(options: StreamOptions<string> = {}): Promise<AsyncStream<string>> {
    return openStream<string, string>(
      {
        what: "message deletions",
        open: (o) => this.mls.streamMessageDeletions(o),
        convert: async (id) => id,
        key: (id) => id,
      },
      options,
      this.ctx.streamHooks,
    );
  }

  /** Messages deleted from now on, as they show now (content type deletedMessage). */
  async streamDeletedMessages(
    options: StreamOptions<DecodedMessage> = {},
  ): Promise<AsyncStream<DecodedMessage>> {
    return openStream<string, DecodedMessage>(
      {
        what: "deleted messages",
        open: (o) => this.mls.streamMessageDeletions(o),
        convert: (id) => this.ctx.getMessageById(id),
        key: (m) => m.id,
      },
      options,
      this.ctx.streamHooks,
    );
  }

  private async convertStreamed(m: MlsMessage): Promise<DecodedMessage> {
    // A conversation handed out gets its snapshot refreshed on a metadata change.
    const known = this.#objects.get(m.conversationId);
    if (known !== undefined) return known.convertStreamed(m);
    const message = toSdkMessage(m, this.ctx.codecs);
    await enrich([message], [], (id) => this.ctx.getMessageById(id)).catch(() => {});
    return message;
  }
}
