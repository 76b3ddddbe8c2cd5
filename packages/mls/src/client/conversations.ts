// client.conversations: create groups and DMs, join from welcomes, list and find conversations.
import { originatorOf, type VectorCursor } from "@x/api";
import { fromHex, toHex, WrapperAlgorithm } from "@x/crypto";
import {
  CursorKind,
  ConversationType as DbConversationType,
  GroupMembershipState,
  IntentState,
  type StoredGroup,
  type StoredTask,
} from "@x/db";
import type { Identifier } from "@x/id";
import type {
  GroupMessage,
  WelcomeMessage,
  WelcomeMessage_WelcomePointer,
} from "@x/proto/mls/api/v1";
import type { PolicySet, WelcomePointer } from "@x/proto/mls/message_contents";
import {
  ConversationType,
  checkWelcomePointer,
  type DecryptedWelcomePointer,
  decodeWelcomeMessage,
  dmId,
  type CreateGroupOptions as EngineCreateGroupOptions,
  createDm as engineCreateDm,
  createGroup as engineCreateGroup,
  groupMembers,
  joinGroupFromWelcome,
  type MessageDisappearingSettings,
  openPointee,
  openWelcomePointer,
  readGroupExtensions,
  serializeGroupState,
  type UnwrappedWelcome,
  unwrapWelcome,
  WelcomeError,
} from "../engine/index.js";
import {
  allowConversation,
  type ConsentStateName,
  checkConsentStates,
  consentOfMany,
} from "./consent.js";
import type { DecodedMessage } from "./content.js";
import type { ClientContext } from "./context.js";
import { nowNs } from "./context.js";
import { groupCursor, isSeen, welcomeCursor } from "./cursors.js";
import { ClientError, errorText } from "./errors.js";
import { type Conversation, Dm, Group } from "./group.js";
import {
  decodeSecrets,
  deleteExpiredKeyPackages,
  rotateKeyPackage,
  type StoredKeyPackage,
} from "./key-packages.js";
import { type GroupPermissionsPreset, policySetOf } from "./permissions.js";
import { storedGroup } from "./stored-group.js";
import { isTransient, type Stream, type StreamOptions } from "./stream.js";
import {
  type ConversationHooks,
  type StreamAllMessagesOptions,
  type StreamConversationsOptions,
  streamAllMessages,
  streamConversations,
} from "./streams.js";
import type { DeviceSyncHooks } from "./sync/device-sync.js";
import { findPointee, welcomePointerTask } from "./welcome-pointers.js";
import { queueKeyRotation } from "./workers/key-package-maintenance.js";

export interface ListConversationsOptions {
  conversationType?: "group" | "dm";
  /** Only conversations in these consent states (default allowed and unknown, as libxmtp). */
  consentStates?: readonly ConsentStateName[];
  limit?: number;
}

/** syncAll syncs this many groups at once (libxmtp's sync_groups_in_batches uses 10). */
export const SYNC_ALL_CONCURRENCY = 10;

/** Intent states a group sync finishes (see resume.ts): such groups are synced regardless. */
const UNFINISHED_INTENTS = [IntentState.ToPublish, IntentState.Published, IntentState.Committed];

/** Options of a new group: its metadata, and a preset ("all_members" by default) or a policy set. */
export interface CreateGroupOptions extends Omit<EngineCreateGroupOptions, "permissions"> {
  permissions?: GroupPermissionsPreset | PolicySet;
}

export class Conversations {
  readonly #listeners = new Set<(c: Conversation, startCursor: VectorCursor) => void>();
  /** @internal Device sync, when on: told about sync-group welcomes, runs after syncAll. */
  deviceSync: DeviceSyncHooks | undefined;

  constructor(
    private readonly ctx: ClientContext,
    private readonly resolveIdentifiers: (ids: readonly Identifier[]) => Promise<string[]>,
  ) {}

  /** Tells the streams about a conversation created or joined (with where its messages start). */
  /** `startCursor`: the commit that created or added us (originator 0; 0 = from the start). */
  private notify(c: Conversation, startCursor: bigint): void {
    const cursor: VectorCursor = new Map(startCursor > 0n ? [[0, startCursor]] : []);
    for (const listener of this.#listeners) listener(c, cursor);
  }

  private wrap(stored: StoredGroup): Conversation {
    return stored.conversationType === DbConversationType.Dm
      ? new Dm(this.ctx, stored)
      : new Group(this.ctx, stored);
  }

  /** A new group with the given inboxes (one commit adds all their installations). */
  async createGroup(inboxIds: readonly string[], options: CreateGroupOptions = {}): Promise<Group> {
    const me = this.ctx.identity.inboxId;
    const { permissions, ...rest } = options;
    const state = await engineCreateGroup(
      this.ctx.identity,
      permissions === undefined ? rest : { ...rest, permissions: policySetOf(permissions) },
    );
    const stored = storedGroup({
      id: state.groupContext.groupId,
      conversationType: DbConversationType.Group,
      addedByInboxId: me,
      dmId: null,
      welcomeCursor: null,
      rotatedAtNs: nowNs(),
    });
    const allowed = await this.ctx.db.transaction(async (tx) => {
      await tx.groups.insert(stored);
      await tx.mls.putGroupState(stored.id, 0n, serializeGroupState(state));
      return allowConversation(tx, toHex(stored.id)); // creating means consenting
    });
    this.ctx.prefs.consentChanged(allowed);
    const group = new Group(this.ctx, stored);
    // Our own other installations join too (libxmtp adds every installation of every inbox).
    await group.addMembers(inboxIds.filter((i) => i !== me));
    this.notify(group, 0n);
    return group;
  }

  async newGroupWithIdentifiers(
    identifiers: readonly Identifier[],
    options: CreateGroupOptions = {},
  ): Promise<Group> {
    return this.createGroup(await this.resolveIdentifiers(identifiers), options);
  }

  /** The DM with `peerInboxId`: the existing one, or a new one. */
  /**
   * The DM with `peerInboxId`: the one we have, or a new one (with `messageDisappearing`
   * settings, if given; they apply only to a new DM).
   */
  async createDm(
    peerInboxId: string,
    options: { messageDisappearing?: MessageDisappearingSettings } = {},
  ): Promise<Dm> {
    const me = this.ctx.identity.inboxId;
    const id = dmId(me, peerInboxId);
    // A DM restored from an archive has no MLS state until a welcome comes: not usable to send.
    const existing = (await this.ctx.db.groups.findDms(id)).filter(
      (g) => g.membershipState !== GroupMembershipState.Restored,
    );
    if (existing[0] !== undefined) return new Dm(this.ctx, existing[0]);
    const state = await engineCreateDm(
      this.ctx.identity,
      peerInboxId,
      options.messageDisappearing === undefined
        ? {}
        : { messageDisappearing: options.messageDisappearing },
    );
    const stored = storedGroup({
      id: state.groupContext.groupId,
      conversationType: DbConversationType.Dm,
      addedByInboxId: me,
      dmId: id,
      welcomeCursor: null,
      rotatedAtNs: nowNs(),
    });
    const allowed = await this.ctx.db.transaction(async (tx) => {
      await tx.groups.insert(stored);
      await tx.mls.putGroupState(stored.id, 0n, serializeGroupState(state));
      return allowConversation(tx, toHex(stored.id));
    });
    this.ctx.prefs.consentChanged(allowed);
    const dm = new Dm(this.ctx, stored);
    await dm.addMembers([peerInboxId]);
    this.notify(dm, 0n);
    return dm;
  }

  /**
   * The hex ids of messages deleted from now on, as this client sees the deletions (in sync or in
   * a stream, or its own deleteMessage): a local stream, as libxmtp's streamMessageDeletions.
   */
  async streamMessageDeletions(options: StreamOptions<string> = {}): Promise<Stream<string>> {
    return this.ctx.streams.open<string>(options, async (emit, signal) => {
      this.ctx.deletionListeners.add(emit);
      try {
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => resolve(), { once: true });
        });
      } finally {
        this.ctx.deletionListeners.delete(emit);
      }
    });
  }

  /**
   * Deletes a message from this database only (libxmtp's client.delete_message): no one else is
   * told. Returns whether it was there.
   */
  async deleteMessageById(messageId: string): Promise<boolean> {
    if (typeof messageId !== "string" || !/^[0-9a-fA-F]{64}$/.test(messageId)) {
      throw new ClientError("CLIENT_INVALID_ARGUMENT", "messageId must be a 64-character hex id");
    }
    return this.ctx.db.messages.delete(fromHex(messageId.toLowerCase()));
  }

  /** The pending-removal task of a group (see Group.processPendingSelfRemovals). */
  async processPendingSelfRemove(groupId: Uint8Array): Promise<void> {
    const stored = await this.ctx.db.groups.get(groupId);
    if (stored === undefined || stored.conversationType !== DbConversationType.Group) return;
    await new Group(this.ctx, stored).processPendingSelfRemovals();
  }

  async newDmWithIdentifier(
    identifier: Identifier,
    options: { messageDisappearing?: MessageDisappearingSettings } = {},
  ): Promise<Dm> {
    const [inbox] = await this.resolveIdentifiers([identifier]);
    return this.createDm(inbox!, options);
  }

  /** Groups and DMs, most recently active first; duplicate DMs with one peer show as one. */
  async list(options: ListConversationsOptions = {}): Promise<Conversation[]> {
    const states = checkConsentStates(options.consentStates) ?? ["allowed", "unknown"];
    const types =
      options.conversationType === "group"
        ? [DbConversationType.Group]
        : options.conversationType === "dm"
          ? [DbConversationType.Dm]
          : [DbConversationType.Group, DbConversationType.Dm];
    const all = await this.ctx.db.groups.list({
      conversationTypes: types,
      membershipStates: [
        GroupMembershipState.Allowed,
        GroupMembershipState.Pending,
        GroupMembershipState.PendingRemove,
      ],
    });
    const consent = await consentOfMany(this.ctx.db, all, this.ctx.identity.inboxId);
    const rows = all.filter((_, i) => states.includes(consent[i]!));
    const seenDms = new Set<string>();
    const out: Conversation[] = [];
    for (const row of rows) {
      if (row.dmId !== null) {
        if (seenDms.has(row.dmId)) continue;
        seenDms.add(row.dmId);
      }
      out.push(this.wrap(row));
      if (options.limit !== undefined && out.length >= options.limit) break;
    }
    return out;
  }

  listGroups(): Promise<Group[]> {
    return this.list({ conversationType: "group" });
  }

  listDms(): Promise<Dm[]> {
    return this.list({ conversationType: "dm" }) as Promise<Dm[]>;
  }

  /** A conversation by hex id (for a DM, the stitched, most recent group of that DM). */
  async getConversationById(id: string): Promise<Conversation | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = fromHex(id);
    } catch {
      return undefined;
    }
    const row = await this.ctx.db.groups.get(bytes);
    if (row === undefined) return undefined;
    if (row.dmId !== null) {
      const [active] = await this.ctx.db.groups.findDms(row.dmId);
      if (active !== undefined) return new Dm(this.ctx, active);
    }
    return this.wrap(row);
  }

  async getDmByInboxId(peerInboxId: string): Promise<Dm | undefined> {
    const [row] = await this.ctx.db.groups.findDms(dmId(this.ctx.identity.inboxId, peerInboxId));
    return row === undefined ? undefined : new Dm(this.ctx, row);
  }

  /** The HMAC keys of every listed conversation, keyed by hex group id (libxmtp's hmac_keys). */
  async hmacKeys(): Promise<Record<string, { key: Uint8Array; epoch: bigint }[]>> {
    const out: Record<string, { key: Uint8Array; epoch: bigint }[]> = {};
    for (const c of await this.list({ consentStates: ["allowed", "unknown", "denied"] })) {
      Object.assign(out, await c.hmacKeys());
    }
    return out;
  }

  // ---- welcomes ----

  /** Reads new welcomes and joins their groups; returns the conversations joined. */
  sync(): Promise<Conversation[]> {
    return this.ctx.lock.run("welcomes", () => this.syncWelcomes());
  }

  private async syncWelcomes(): Promise<Conversation[]> {
    const key = this.ctx.identity.installationKey.publicKey;
    const lastSeen = await welcomeCursor(this.ctx.db, key);
    const welcomes = await this.ctx.api.queryWelcomeMessages(key, { lastSeen });
    const joined: Conversation[] = [];
    for (const w of welcomes) {
      const id = w.version.value?.id ?? 0n;
      const originator = originatorOf(w);
      if (isSeen(lastSeen, originator, id)) continue;
      try {
        const c = await this.processWelcome(w);
        if (c !== undefined) {
          joined.push(c);
          this.notify(c, c.welcomeCursor);
        }
      } catch (e) {
        this.ctx.onSkipped(e, { cursor: id });
        await this.ctx.db.cursors.advance(key, CursorKind.Welcome, originator, id);
      }
    }
    if (welcomes.length > 0) await this.rotateAfterWelcome();
    // Replaced key packages go once their 24 h grace is over (the workers do it too, on time).
    await deleteExpiredKeyPackages(this.ctx.db, this.ctx.clock?.() ?? nowNs());
    return joined;
  }

  // ---- streams ----

  private readonly hooks: ConversationHooks = {
    onConversation: (listener) => {
      this.#listeners.add(listener);
      return () => this.#listeners.delete(listener);
    },
    processStreamedWelcome: (w) => this.processStreamedWelcome(w),
    current: async (type) => {
      const list = await this.ctx.db.groups.list({
        conversationTypes:
          type === "group"
            ? [DbConversationType.Group]
            : type === "dm"
              ? [DbConversationType.Dm]
              : [DbConversationType.Group, DbConversationType.Dm],
        membershipStates: [
          GroupMembershipState.Allowed,
          GroupMembershipState.Pending,
          GroupMembershipState.PendingRemove,
        ],
      });
      return Promise.all(
        list.map(async (g) => ({
          c: this.wrap(g),
          cursor: await groupCursor(this.ctx.db, g.id),
        })),
      );
    },
  };

  /**
   * New conversations as they come: welcomes joined (first the ones waiting since the last
   * sync), and groups and DMs this client creates.
   */
  async stream(options: StreamConversationsOptions = {}): Promise<Stream<Conversation>> {
    checkStreamType(options.conversationType);
    return streamConversations(this.ctx, this.hooks, options);
  }

  /**
   * Every message of every conversation (ours included), first what arrived since the last sync,
   * then live; conversations joined or created later are added as they come.
   */
  async streamAllMessages(options: StreamAllMessagesOptions = {}): Promise<Stream<DecodedMessage>> {
    checkStreamType(options.conversationType);
    const consentStates = checkConsentStates(options.consentStates);
    return streamAllMessages(this.ctx, this.hooks, {
      ...options,
      ...(consentStates === undefined ? {} : { consentStates }),
    });
  }

  /**
   * A welcome from a stream, processed as sync does. A transient failure (the node went away
   * while we checked the members) is thrown, so the stream reads the welcome again.
   */
  private processStreamedWelcome(w: WelcomeMessage): Promise<Conversation | undefined> {
    return this.ctx.lock.run("welcomes", async () => {
      const key = this.ctx.identity.installationKey.publicKey;
      const id = w.version.value?.id ?? 0n;
      const originator = originatorOf(w);
      if (isSeen(await welcomeCursor(this.ctx.db, key), originator, id)) return undefined;
      let c: Conversation | undefined;
      try {
        c = await this.processWelcome(w);
      } catch (e) {
        if (isTransient(e)) throw e;
        this.ctx.onSkipped(e, { cursor: id });
        await this.ctx.db.cursors.advance(key, CursorKind.Welcome, originator, id);
        return undefined;
      }
      if (c !== undefined) this.notify(c, c.welcomeCursor);
      await this.rotateAfterWelcome();
      return c;
    });
  }

  /**
   * A welcome used our (last-resort) key package, so libxmtp rotates it: queued for 5 s later, so
   * a burst of welcomes rotates once. Without workers to run the queue, at once.
   */
  private async rotateAfterWelcome(): Promise<void> {
    const now = this.ctx.clock?.() ?? nowNs();
    if (this.ctx.workers?.running === true) {
      await queueKeyRotation(this.ctx.db, now);
      this.ctx.workers.wake("tasks");
    } else {
      await rotateKeyPackage(this.ctx.identity, this.ctx.db, this.ctx.api, now);
    }
  }

  /** The key package a welcome (or pointer) was wrapped to, found by that public key. */
  private async keyPackageFor(hpkePublicKey: Uint8Array): Promise<StoredKeyPackage> {
    const secrets = await this.ctx.db.mls.findKeyPackageByPublicKey(hpkePublicKey);
    if (secrets === undefined) {
      throw new WelcomeError(
        "MLS_WELCOME_NOT_FOR_US",
        `no key package of ours has the welcome's public key ${toHex(hpkePublicKey)}`,
      );
    }
    return decodeSecrets(secrets);
  }

  /** A welcome (V1, or a pointer followed to its pointee), opened and joined. */
  private async processWelcome(w: WelcomeMessage): Promise<Conversation | undefined> {
    const from = { originatorId: originatorOf(w), sequenceId: w.version.value?.id ?? 0n };
    if (w.version.case === "welcomePointer") return this.processPointer(w.version.value, from);
    if (w.version.case !== "v1") {
      throw new WelcomeError("MLS_WELCOME_MALFORMED", "the welcome has neither v1 nor a pointer");
    }
    const v1 = w.version.value;
    const kp = await this.keyPackageFor(v1.hpkePublicKey);
    const xwing = v1.wrapperAlgorithm === WrapperAlgorithm.XWingMlKem768Draft6;
    const privateKey = xwing ? kp.xwingPrivateKey : kp.privateKeyPackage.initPrivateKey;
    if (privateKey === undefined) {
      throw new WelcomeError(
        "MLS_WELCOME_NOT_FOR_US",
        "the welcome is wrapped with X-Wing to a key package of ours that has no X-Wing key",
      );
    }
    const opened = await unwrapWelcome({
      data: v1.data,
      welcomeMetadata: v1.welcomeMetadata,
      wrapperAlgorithm: v1.wrapperAlgorithm,
      privateKey,
    });
    return this.join(opened, kp, from);
  }

  /**
   * A welcome pointer: opened with our X-Wing key, then its pointee read and decrypted. A pointee
   * not there after libxmtp's short backoff is left to a durable task (CLIENT_WELCOME_POINTEE_NOT_FOUND).
   */
  private async processPointer(
    p: WelcomeMessage_WelcomePointer,
    from: { originatorId: number; sequenceId: bigint },
  ): Promise<Conversation | undefined> {
    const kp = await this.keyPackageFor(p.hpkePublicKey);
    if (kp.xwingPrivateKey === undefined) {
      throw new WelcomeError(
        "MLS_WELCOME_NOT_FOR_US",
        "the welcome pointer is for a key package of ours that has no X-Wing key",
      );
    }
    const pointer = await openWelcomePointer({
      welcomePointer: p.welcomePointer,
      wrapperAlgorithm: p.wrapperAlgorithm,
      privateKey: kp.xwingPrivateKey,
    });
    const pointee = await findPointee(this.ctx.api, pointer);
    if (pointee === undefined) {
      await this.ctx.db.tasks.create(
        welcomePointerTask(pointer, from, this.ctx.clock?.() ?? nowNs()),
      );
      this.ctx.workers?.wake("tasks");
      throw new ClientError(
        "CLIENT_WELCOME_POINTEE_NOT_FOUND",
        `the welcome pointer's destination ${toHex(pointer.destination)} is empty; a task follows it for 3 days`,
      );
    }
    return this.join(openPointee(pointee, pointer), kp, from);
  }

  /**
   * The ProcessWelcomePointer task (the welcome cursor moved on when it was queued): one look at
   * the destination; still empty → thrown, so the task runs again later. A bad pointee is
   * reported to onSkipped and the task dropped.
   */
  async processWelcomePointerTask(proto: WelcomePointer, task: StoredTask): Promise<void> {
    const from = task.originatingMessage ?? { originatorId: 0, sequenceId: 0n };
    const c = await this.ctx.lock.run("welcomes", async () => {
      let pointer: DecryptedWelcomePointer;
      let opened: UnwrappedWelcome;
      try {
        pointer = checkWelcomePointer(proto);
        const pointee = await findPointee(this.ctx.api, pointer, []);
        if (pointee === undefined) {
          throw new ClientError(
            "CLIENT_WELCOME_POINTEE_NOT_FOUND",
            `the welcome pointer's destination ${toHex(pointer.destination)} is still empty`,
            { retryable: true },
          );
        }
        opened = openPointee(pointee, pointer);
      } catch (e) {
        if (e instanceof ClientError && e.code === "CLIENT_WELCOME_POINTEE_NOT_FOUND") throw e;
        this.ctx.onSkipped(e, { cursor: from.sequenceId });
        return undefined;
      }
      try {
        return await this.join(opened, await this.keyPackageNamedBy(opened.welcomeMessage), from);
      } catch (e) {
        if (isTransient(e)) throw e;
        this.ctx.onSkipped(e, { cursor: from.sequenceId });
        return undefined;
      }
    });
    if (c === undefined) return;
    this.notify(c, c.welcomeCursor);
    await this.rotateAfterWelcome();
  }

  /** Our key package a welcome names in its GroupSecrets (by KeyPackageRef). */
  private async keyPackageNamedBy(welcomeMessage: Uint8Array): Promise<StoredKeyPackage> {
    for (const s of decodeWelcomeMessage(welcomeMessage).secrets) {
      const secrets = await this.ctx.db.mls.getKeyPackage(s.newMember);
      if (secrets !== undefined) return decodeSecrets(secrets);
    }
    throw new WelcomeError(
      "MLS_WELCOME_NOT_FOR_US",
      "the welcome names no key package of ours (it may have been deleted since)",
    );
  }

  /** Joins the group of an opened welcome and stores it; undefined when it is not a conversation. */
  private async join(
    { welcomeMessage, messageCursor }: UnwrappedWelcome,
    kp: StoredKeyPackage,
    from: { originatorId: number; sequenceId: bigint },
  ): Promise<Conversation | undefined> {
    const originator = from.originatorId;
    const state = await joinGroupFromWelcome({
      welcomeMessage,
      keyPackage: kp.keyPackage,
      privateKeyPackage: kp.privateKeyPackage,
    });
    const ext = readGroupExtensions(state.groupContext.extensions);
    await this.validateWelcomeMembers(state, ext);
    const groupId = state.groupContext.groupId;
    const existing = await this.ctx.db.groups.get(groupId);
    const installationKey = this.ctx.identity.installationKey.publicKey;
    // A group restored from an archive (no MLS state) becomes the real one when its welcome comes.
    const restored = existing?.membershipState === GroupMembershipState.Restored;
    const type = ext.metadata.conversationType;
    const sync = type === ConversationType.SYNC && this.deviceSync !== undefined;
    if (
      (existing !== undefined && !restored) ||
      (type !== ConversationType.GROUP && type !== ConversationType.DM && !sync)
    ) {
      // Oneshot groups (and sync groups with device sync off) are not conversations.
      await this.ctx.db.cursors.advance(
        installationKey,
        CursorKind.Welcome,
        originator,
        from.sequenceId,
      );
      return undefined;
    }
    const dm = type === ConversationType.DM;
    const dmMembers = ext.metadata.dmMembers;
    if (dm && dmMembers === undefined) {
      throw new ClientError("CLIENT_WELCOME_INVALID", "a DM welcome without dm_members");
    }
    if (sync) this.checkSyncGroup(ext);
    const stored = storedGroup({
      id: groupId,
      conversationType: dm
        ? DbConversationType.Dm
        : sync
          ? DbConversationType.Sync
          : DbConversationType.Group,
      addedByInboxId: ext.metadata.creatorInboxId,
      dmId: dm ? dmId(dmMembers!.memberOneInboxId, dmMembers!.memberTwoInboxId) : null,
      welcomeCursor: { originatorId: 0, sequenceId: messageCursor },
      rotatedAtNs: 0n,
    });
    await this.ctx.db.transaction(async (tx) => {
      if (restored) {
        await tx.groups.update(groupId, {
          membershipState: stored.membershipState,
          welcomeCursor: stored.welcomeCursor,
          rotatedAtNs: 0n,
        });
      } else {
        await tx.groups.insert(stored);
      }
      await tx.mls.putGroupState(groupId, state.groupContext.epoch, serializeGroupState(state));
      // Messages up to the commit that added us belong to epochs we cannot read. The cursor is
      // the commit's sequence id; commits are sequenced under originator 0 on d14n too.
      await tx.cursors.set(groupId, CursorKind.ApplicationMessage, 0, messageCursor);
      await tx.cursors.advance(installationKey, CursorKind.Welcome, originator, from.sequenceId);
    });
    if (sync) {
      this.deviceSync?.syncGroupJoined();
      return undefined; // not a conversation
    }
    const fresh = restored ? ((await this.ctx.db.groups.get(groupId)) ?? stored) : stored;
    return dm ? new Dm(this.ctx, fresh) : new Group(this.ctx, fresh);
  }

  /** A sync group holds only our own inbox, and we created it (from another installation). */
  private checkSyncGroup(ext: ReturnType<typeof readGroupExtensions>): void {
    const me = this.ctx.identity.inboxId;
    const inboxes = Object.keys(ext.membership.members);
    if (ext.metadata.creatorInboxId !== me || inboxes.some((i) => i !== me)) {
      throw new ClientError(
        "CLIENT_WELCOME_INVALID",
        "a sync group welcome from another inbox (sync groups hold only our own installations)",
      );
    }
  }

  /**
   * libxmtp's welcome validation: every leaf must be an installation its inbox held at the
   * sequence id the group records for it.
   */
  private async validateWelcomeMembers(
    state: Parameters<typeof groupMembers>[0],
    ext: ReturnType<typeof readGroupExtensions>,
  ): Promise<void> {
    const inboxes = Object.keys(ext.membership.members);
    await this.ctx.identities.refresh(inboxes);
    await this.ctx.identities.batch(() => this.checkLeaves(state, ext));
  }

  private async checkLeaves(
    state: Parameters<typeof groupMembers>[0],
    ext: ReturnType<typeof readGroupExtensions>,
  ): Promise<void> {
    for (const leaf of groupMembers(state)) {
      const inbox = leaf.inboxId;
      const seq = inbox === undefined ? undefined : ext.membership.members[inbox];
      if (inbox === undefined || seq === undefined) {
        throw new ClientError(
          "CLIENT_WELCOME_INVALID",
          `leaf ${leaf.leafIndex} belongs to an inbox the group's membership does not list`,
        );
      }
      let ids: Uint8Array[];
      try {
        ids = (
          await this.ctx.identities.stateOf(inbox, seq === 0n ? undefined : seq)
        ).state.installationIds();
      } catch (e) {
        throw new ClientError(
          "CLIENT_WELCOME_INVALID",
          `the identity of member inbox ${inbox} does not verify: ${errorText(e)}`,
          { cause: e },
        );
      }
      if (!ids.some((k) => toHex(k) === toHex(leaf.installationId))) {
        throw new ClientError(
          "CLIENT_WELCOME_INVALID",
          `installation ${toHex(leaf.installationId)} is not an installation of inbox ${inbox}`,
        );
      }
    }
  }

  /**
   * Welcomes, then every conversation (only those in `consentStates` when given), at most
   * SYNC_ALL_CONCURRENCY groups at once.
   */
  async syncAll(
    consentStates?: readonly ConsentStateName[],
  ): Promise<{ conversations: number; messages: number }> {
    const states = checkConsentStates(consentStates);
    await this.sync();
    let all = await this.ctx.db.groups.list({
      conversationTypes: [DbConversationType.Group, DbConversationType.Dm],
      membershipStates: [
        GroupMembershipState.Allowed,
        GroupMembershipState.Pending,
        GroupMembershipState.PendingRemove,
      ],
    });
    if (states !== undefined) {
      const consent = await consentOfMany(this.ctx.db, all, this.ctx.identity.inboxId);
      all = all.filter((_, i) => states.includes(consent[i]!));
    }
    // Sync groups are synced too (libxmtp's syncAllConversations), but not counted.
    const syncGroups =
      this.deviceSync === undefined
        ? []
        : await this.ctx.db.groups.list({
            conversationTypes: [DbConversationType.Sync],
            membershipStates: [GroupMembershipState.Allowed],
          });
    const due = await this.groupsNeedingSync([...all, ...syncGroups]);
    let next = 0;
    let messages = 0;
    const worker = async () => {
      while (next < due.length) {
        const g = this.wrap(due[next++]!);
        try {
          const read = await g.sync(); // not `messages += await`: workers run concurrently
          messages += read;
        } catch (e) {
          this.ctx.onSkipped(e, { groupId: g.groupId, cursor: 0n });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SYNC_ALL_CONCURRENCY, due.length) }, worker));
    if (syncGroups.length > 0) await this.deviceSync?.afterSyncAll();
    return { conversations: all.length, messages };
  }

  /**
   * libxmtp's filter_groups_needing_sync: one batched GetNewestGroupMessage call, and only the
   * groups whose newest message is past our cursor (or that have unfinished intents) are synced.
   * If the call fails, every group is synced.
   */
  private async groupsNeedingSync(all: StoredGroup[]): Promise<StoredGroup[]> {
    if (all.length === 0) return all;
    let newest: (GroupMessage | undefined)[];
    try {
      newest = await this.ctx.api.getNewestGroupMessages(all.map((g) => g.id));
    } catch {
      return all;
    }
    const cursors = await this.ctx.db.cursors.getAllMany(
      all.map((g) => g.id),
      CursorKind.ApplicationMessage,
    );
    const pending = new Set(
      (await this.ctx.db.intents.groupsWithIntents(UNFINISHED_INTENTS)).map(toHex),
    );
    return all.filter((g, i) => {
      const m = newest[i];
      if (pending.has(toHex(g.id))) return true;
      return m?.version.case === "v1" && !isSeen(cursors[i]!, originatorOf(m), m.version.value.id);
    });
  }
}

function checkStreamType(type: unknown): void {
  if (type !== undefined && type !== "group" && type !== "dm") {
    throw new ClientError(
      "CLIENT_INVALID_ARGUMENT",
      `conversationType must be "group" or "dm", got ${JSON.stringify(type)}`,
    );
  }
}
