// A conversation (group or DM): sending, reading, syncing, and membership and metadata changes.
//
// Commits follow libxmtp's intent flow: the intent is stored, the commit is staged (not merged)
// and published, and merged only when it comes back from the node in server order. If another
// commit won that epoch, the intent is rebuilt on the new state and published again (3 attempts).
// Incoming messages are stored with their group state and cursor in one transaction (a run of
// application messages shares one; a commit or our own payload has its own).

import { originatorOf, type VectorCursor } from "@x/api";
import {
  type ContentCodec,
  type ContentTypeId,
  contentTypeKey,
  DeleteMessageCodec,
  encodeContentMessage,
  LeaveRequestCodec,
  TextCodec,
} from "@x/content-types";
import { fromHex, sha256, toHex } from "@x/crypto";
import {
  type ContentType,
  type Cursor,
  CursorKind,
  ConversationType as DbConversationType,
  DeliveryStatus,
  GroupMembershipState,
  IntentKind,
  IntentState,
  MessageKind,
  type StoredGroup,
  type StoredIntent,
  type StoredMessage,
  type TransactionScope,
} from "@x/db";
import { create, fromBinary, toBinary } from "@x/proto";
import {
  type GroupMessage,
  GroupMessageInputSchema,
  type GroupMessage_V1 as GroupMessageV1,
} from "@x/proto/mls/api/v1";
import { type EncodedContent, EncodedContentSchema } from "@x/proto/mls/message_contents";
import type { ClientState } from "ts-mls";
import {
  type AdminListAction,
  calculateMessageId,
  deriveHmacKey,
  deriveHmacKeys,
  disappearingEnabled,
  encryptApplicationMessage,
  removeMembers as engineRemoveMembers,
  groupMembers,
  hmacEpoch,
  type MembershipChange,
  type MessageDisappearingSettings,
  MetadataField,
  processGroupMessage,
  readDisappearingSettings,
  readGroupExtensions,
  type StagedCommit,
  selfUpdate,
  senderHmac,
  serializeGroupState,
  updateAdminList,
  updateGroupMembership,
  updateMetadataField,
  updatePermissions,
  type VerifiedKeyPackage,
  validateKeyPackage,
  type XmtpGroupExtensions,
} from "../engine/index.js";
import {
  allowConversation,
  type ConsentStateName,
  checkConsentState,
  conversationConsent,
  setConsent,
} from "./consent.js";
import { contentTypeNumber, type DecodedMessage, toDecodedMessage } from "./content.js";
import { type ClientContext, hmacRootKey, nowNs } from "./context.js";
import { commitDependency, groupCursor } from "./cursors.js";
import {
  deletionApplies,
  isDeletable,
  isDeleteMessage,
  recordDeletion,
  withDeletions,
} from "./deletions.js";
import { ClientError, errorText } from "./errors.js";
import { isLeaveRequest, recordLeaveRequest } from "./leave-requests.js";
import {
  checkBeforePublish,
  checkOnReadBack,
  refusedError,
  rememberRefused,
} from "./own-commits.js";
import {
  describePermissions,
  type GroupPermissions,
  type PermissionPolicy,
  type PermissionUpdateType,
  withPermission,
} from "./permissions.js";
import {
  type PostCommit,
  resumeIntents,
  sendPostCommitWelcomes,
  storedRecipient,
} from "./resume.js";
import { stateCacheOf } from "./state-cache.js";
import { isTransient, type Stream } from "./stream.js";
import { type StreamMessagesOptions, streamGroupMessages } from "./streams.js";
import { groupUpdatedContent } from "./transcript.js";
import { validateCommit } from "./validation.js";

/** Messages stored per transaction when a sync reads a run of them. */
export const BATCH_MESSAGES = 100;

interface PendingRun {
  /** The state after the run's last readable message (undefined: none was readable). */
  state: ClientState | undefined;
  rows: StoredMessage[];
  /** The last sequence id of the run under each originator. */
  last: Map<number, bigint>;
  count: number;
}

/** libxmtp MAX_INTENT_PUBLISH_ATTEMPTS. */
export const MAX_PUBLISH_ATTEMPTS = 3;

type CommitIntentData =
  | { op: "membership"; add: string[]; remove: string[] }
  | { op: "metadata"; field: string; value: string }
  | { op: "admin"; action: AdminListAction; inboxId: string }
  | {
      op: "permission";
      type: PermissionUpdateType;
      policy: PermissionPolicy;
      metadataField?: string;
    }
  | { op: "keyUpdate" };

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const unjson = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;

export interface ListMessagesOptions {
  sentAfterNs?: bigint;
  sentBeforeNs?: bigint;
  limit?: number;
  direction?: "ascending" | "descending";
  contentTypes?: readonly ContentTypeId[];
  /** Include group_updated transcript messages (default true). */
  includeTranscript?: boolean;
}

export interface GroupMemberInfo {
  inboxId: string;
  installationIds: string[];
  /** Identity-update sequence id recorded in the group. */
  sequenceId: bigint;
  permissionLevel: "member" | "admin" | "super_admin";
}

export class Group {
  /** Hex group id. */
  readonly id: string;
  readonly groupId: Uint8Array;

  constructor(
    protected readonly ctx: ClientContext,
    protected stored: StoredGroup,
  ) {
    this.groupId = stored.id;
    this.id = toHex(stored.id);
  }

  get conversationType(): "group" | "dm" {
    return this.stored.conversationType === DbConversationType.Dm ? "dm" : "group";
  }

  get createdAtNs(): bigint {
    return this.stored.createdAtNs;
  }

  /** The server id of the commit that added us (0 for conversations we created). */
  get welcomeCursor(): bigint {
    return this.stored.welcomeCursor?.sequenceId ?? 0n;
  }

  get addedByInboxId(): string {
    return this.stored.addedByInboxId;
  }

  // ---- state ----

  protected async state(db: TransactionScope = this.ctx.db): Promise<ClientState> {
    const row = await db.mls.getGroupState(this.groupId);
    if (row === undefined) {
      throw new ClientError(
        "CLIENT_CONVERSATION_NOT_FOUND",
        `no MLS state is stored for group ${this.id}`,
      );
    }
    return stateCacheOf(this.ctx.db).decode(this.id, row.state);
  }

  /** `bytes`: the state's encoding when it is at hand already (a staged commit's). */
  private async saveState(
    tx: TransactionScope,
    state: ClientState,
    bytes = serializeGroupState(state),
  ): Promise<void> {
    await tx.mls.putGroupState(this.groupId, state.groupContext.epoch, bytes);
    // Kept as the decoded form of these bytes: if the transaction rolls back, the stored bytes
    // differ and the next read decodes them again.
    stateCacheOf(this.ctx.db).remember(this.id, bytes, state);
  }

  async extensions(): Promise<XmtpGroupExtensions> {
    return readGroupExtensions((await this.state()).groupContext.extensions);
  }

  async epoch(): Promise<bigint> {
    return (await this.state()).groupContext.epoch;
  }

  async isActive(): Promise<boolean> {
    return (await this.state()).groupActiveState.kind === "active";
  }

  async name(): Promise<string> {
    return (await this.extensions()).mutableMetadata.attributes[MetadataField.GroupName] ?? "";
  }

  async description(): Promise<string> {
    return (await this.extensions()).mutableMetadata.attributes[MetadataField.Description] ?? "";
  }

  async imageUrl(): Promise<string> {
    const { attributes } = (await this.extensions()).mutableMetadata;
    return attributes[MetadataField.GroupImageUrlSquare] ?? "";
  }

  /** The app's own data (libxmtp 1.9's app_data attribute; at most 8 KB). */
  async appData(): Promise<string> {
    return (await this.extensions()).mutableMetadata.attributes[MetadataField.AppData] ?? "";
  }

  /** The disappearing-message settings (from, in; ns), if the group has both. */
  async messageDisappearingSettings(): Promise<MessageDisappearingSettings | undefined> {
    return readDisappearingSettings((await this.extensions()).mutableMetadata.attributes);
  }

  /** Whether messages disappear: both settings above 0 (libxmtp's rule). */
  async isMessageDisappearingEnabled(): Promise<boolean> {
    return disappearingEnabled(await this.messageDisappearingSettings());
  }

  /**
   * Messages stored from now on disappear `inNs` after they are stored (received) or confirmed
   * (sent), on each member's own clock; `fromNs` > 0 switches it on. Two metadata commits, from
   * then in, as libxmtp; who may is the policy's say (the two fields' metadata policies).
   */
  async updateMessageDisappearingSettings(settings: MessageDisappearingSettings): Promise<void> {
    const { fromNs, inNs } = settings ?? {};
    for (const [name, v] of [
      ["fromNs", fromNs],
      ["inNs", inNs],
    ] as const) {
      if (typeof v !== "bigint" || v < 0n || v >= 2n ** 63n) {
        throw new ClientError(
          "CLIENT_INVALID_ARGUMENT",
          `${name} must be a bigint from 0 to 2^63-1 (nanoseconds)`,
        );
      }
    }
    await this.updateMetadata(MetadataField.MessageDisappearFromNs, fromNs.toString());
    await this.updateMetadata(MetadataField.MessageDisappearInNs, inNs.toString());
  }

  /** Messages stop disappearing (both settings 0, as libxmtp's remove). */
  removeMessageDisappearingSettings(): Promise<void> {
    return this.updateMessageDisappearingSettings({ fromNs: 0n, inNs: 0n });
  }

  private now(): bigint {
    return this.ctx.clock?.() ?? nowNs();
  }

  // ---- leaving ----

  /**
   * Asks to leave the group (libxmtp's leave_group; node-sdk's requestRemoval): sends a
   * LeaveRequest, and a super admin's client removes us (its durable task commits the removal).
   * Until then `isPendingRemoval()` is true. Refused (CLIENT_LEAVE_REFUSED) for a DM, a group we
   * are not a member of or are alone in, and for a super admin (demote first). Asking twice
   * sends nothing more.
   */
  async leaveGroup(): Promise<void> {
    const me = this.ctx.identity.inboxId;
    const ext = await this.extensions();
    const refuse = (why: string) => {
      throw new ClientError("CLIENT_LEAVE_REFUSED", why);
    };
    if (this.conversationType === "dm") refuse("a DM cannot be left");
    if (!(me in ext.membership.members)) refuse("we are not a member of this group");
    if (Object.keys(ext.membership.members).length === 1) {
      refuse("we are the group's only member; there is no one to remove us");
    }
    if (ext.mutableMetadata.superAdminList.includes(me)) {
      refuse("a super admin cannot leave; remove our super-admin status first");
    }
    if (await this.ctx.db.pendingRemoves.has(this.groupId, me)) return;
    await this.send({}, new LeaveRequestCodec());
  }

  /** node-sdk's name for leaveGroup(). */
  requestRemoval(): Promise<void> {
    return this.leaveGroup();
  }

  /** Whether we asked to leave and are not removed yet. */
  async isPendingRemoval(): Promise<boolean> {
    const stored = await this.ctx.db.groups.get(this.groupId);
    return stored?.membershipState === GroupMembershipState.PendingRemove;
  }

  /** The inboxes that asked to leave and are not removed yet. */
  pendingRemovals(): Promise<string[]> {
    return this.ctx.db.pendingRemoves.list(this.groupId);
  }

  private async afterLeaveRequest(): Promise<void> {
    this.ctx.workers?.wake("tasks");
  }

  /**
   * Commits the removal of the members who asked to leave, if we are a super admin (else
   * nothing), then forgets the requests of inboxes that are no longer members (libxmtp's
   * process_pending_self_removals). Run by the durable task; safe to run again.
   */
  async processPendingSelfRemovals(): Promise<void> {
    const me = this.ctx.identity.inboxId;
    const pending = await this.ctx.db.pendingRemoves.list(this.groupId);
    if (pending.length > 0 && (await this.isActive())) {
      const ext = await this.extensions();
      if (ext.mutableMetadata.superAdminList.includes(me)) {
        const still = pending.filter((i) => i !== me && i in ext.membership.members);
        if (still.length > 0) await this.removeMembers(still);
      }
    }
    const members = (await this.extensions()).membership.members;
    const gone = (await this.ctx.db.pendingRemoves.list(this.groupId)).filter(
      (i) => !(i in members),
    );
    await this.ctx.db.transaction(async (tx) => {
      await tx.pendingRemoves.delete(this.groupId, gone);
      if ((await tx.pendingRemoves.list(this.groupId)).length === 0) {
        await tx.groups.update(this.groupId, { hasPendingLeaveRequest: false });
      }
    });
  }

  /** When a message stored now expires under `state`'s settings (null: never). */
  private expiryAt(state: ClientState): bigint | null {
    const ext = readGroupExtensions(state.groupContext.extensions);
    const settings = readDisappearingSettings(ext.mutableMetadata.attributes);
    if (!disappearingEnabled(settings)) return null;
    return (this.ctx.clock?.() ?? nowNs()) + settings!.inNs;
  }

  async listAdmins(): Promise<string[]> {
    return [...(await this.extensions()).mutableMetadata.adminList];
  }

  async listSuperAdmins(): Promise<string[]> {
    return [...(await this.extensions()).mutableMetadata.superAdminList];
  }

  async isAdmin(inboxId: string): Promise<boolean> {
    return (await this.listAdmins()).includes(inboxId);
  }

  async isSuperAdmin(inboxId: string): Promise<boolean> {
    return (await this.listSuperAdmins()).includes(inboxId);
  }

  /** The permission policies: the preset they match (or "custom_policy") and each policy. */
  async permissions(): Promise<GroupPermissions> {
    return describePermissions((await this.extensions()).permissions);
  }

  async members(): Promise<GroupMemberInfo[]> {
    const state = await this.state();
    const ext = readGroupExtensions(state.groupContext.extensions);
    const leaves = groupMembers(state);
    return Object.entries(ext.membership.members).map(([inboxId, sequenceId]) => ({
      inboxId,
      sequenceId,
      installationIds: leaves
        .filter((l) => l.inboxId === inboxId)
        .map((l) => toHex(l.installationId)),
      permissionLevel: ext.mutableMetadata.superAdminList.includes(inboxId)
        ? "super_admin"
        : ext.mutableMetadata.adminList.includes(inboxId)
          ? "admin"
          : "member",
    }));
  }

  // ---- reading ----

  /** Stored messages with filters (time range, limit, direction, content types). */
  async messages(options: ListMessagesOptions = {}): Promise<DecodedMessage[]> {
    const contentTypes =
      options.contentTypes === undefined
        ? undefined
        : options.contentTypes.map((t) => contentTypeNumber(t));
    const descending = options.direction === "descending";
    const listOptions = {
      direction: descending ? ("desc" as const) : ("asc" as const),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.sentAfterNs === undefined ? {} : { sentAfterNs: options.sentAfterNs }),
      ...(options.sentBeforeNs === undefined ? {} : { sentBeforeNs: options.sentBeforeNs }),
      ...(contentTypes === undefined ? {} : { contentTypes }),
      ...(options.includeTranscript === false ? { kinds: [MessageKind.Application] } : {}),
      // Expired messages are never shown, also before the worker deletes them.
      unexpiredAt: this.ctx.clock?.() ?? nowNs(),
    };
    // A DM shows the messages of every MLS group stitched into it (same dm id), as libxmtp does.
    const ids =
      this.stored.dmId === null
        ? [this.groupId]
        : (await this.ctx.db.groups.findDms(this.stored.dmId)).map((g) => g.id);
    if (!ids.some((id) => toHex(id) === this.id)) ids.push(this.groupId);
    let rows = (
      await Promise.all(ids.map((id) => this.ctx.db.messages.list(id, listOptions)))
    ).flat();
    if (ids.length > 1) {
      rows.sort((x, y) =>
        x.sentAtNs === y.sentAtNs ? 0 : x.sentAtNs < y.sentAtNs !== descending ? -1 : 1,
      );
      if (options.limit !== undefined) rows = rows.slice(0, options.limit);
    }
    const wanted = options.contentTypes?.map(contentTypeKey);
    const decoded = rows
      .map((r) => toDecodedMessage(r, this.ctx.codecs))
      .filter(
        (m) =>
          wanted === undefined ||
          (m.contentType !== undefined && wanted.includes(contentTypeKey(m.contentType))),
      );
    // A deleted message shows as a deletedMessage, without its content.
    return withDeletions(this.ctx.db, rows, decoded);
  }

  // ---- deleting ----

  /**
   * Deletes a message for every member (libxmtp's delete_message): sends a DeleteMessage; the
   * message then shows as a deletedMessage everywhere. Only its sender or a super admin may
   * (CLIENT_NOT_PERMITTED), only messages of a deletable content type (CLIENT_NOT_DELETABLE: not
   * transcript messages, reactions, receipts, leave requests, deletions...). Returns the id of the
   * DeleteMessage.
   */
  async deleteMessage(messageId: string): Promise<string> {
    if (typeof messageId !== "string" || !/^[0-9a-fA-F]{64}$/.test(messageId)) {
      throw new ClientError("CLIENT_INVALID_ARGUMENT", "messageId must be a 64-character hex id");
    }
    const target = await this.ctx.db.messages.get(fromHex(messageId.toLowerCase()));
    if (target === undefined || toHex(target.groupId) !== this.id) {
      throw new ClientError(
        "CLIENT_INVALID_ARGUMENT",
        `no message ${messageId} in this conversation`,
      );
    }
    if (!isDeletable(target)) {
      throw new ClientError(
        "CLIENT_NOT_DELETABLE",
        "this message cannot be deleted: only text, markdown, replies, attachments, transaction references and wallet calls can",
      );
    }
    const me = this.ctx.identity.inboxId;
    const superAdmin = (await this.extensions()).mutableMetadata.superAdminList.includes(me);
    if (target.senderInboxId !== me && !superAdmin) {
      throw new ClientError(
        "CLIENT_NOT_PERMITTED",
        "only the sender of a message or a super admin may delete it",
      );
    }
    const earlier = await this.ctx.db.messageDeletions.findByTargets([target.id]);
    const mine = {
      groupId: this.groupId,
      deletedMessageId: target.id,
      deletedByInboxId: me,
      isSuperAdminDeletion: target.senderInboxId !== me,
      deletedAtNs: this.now(),
    };
    if (earlier.some((d) => deletionApplies(d, target))) {
      throw new ClientError("CLIENT_INVALID_ARGUMENT", `message ${messageId} is deleted already`);
    }
    const id = await this.send({ messageId: toHex(target.id) }, new DeleteMessageCodec());
    // Optimistic, as libxmtp: shown deleted at once.
    await this.ctx.db.messageDeletions.insert({ id: fromHex(id), ...mine });
    this.notifyDeleted(target.id);
    return id;
  }

  private notifyDeleted(messageId: Uint8Array): void {
    const hex = toHex(messageId);
    for (const listener of this.ctx.deletionListeners) {
      try {
        listener(hex);
      } catch {
        // a listener's error is its own
      }
    }
  }

  // ---- sync ----

  /**
   * Reads every new message from the node, then finishes intents a crash or a failed call left
   * unfinished (see resume.ts). Returns how many messages were read.
   */
  sync(): Promise<number> {
    return this.ctx.lock.run(this.id, async () => {
      let read = await this.receive();
      const resumed = await resumeIntents(this.ctx, this.groupId, {
        republishMessage: (intent) => this.republishMessage(intent),
        publishCommit: (intent) =>
          this.driveCommit(intent.id, unjson<CommitIntentData>(intent.data)),
      });
      if (resumed) read += await this.receive();
      return read;
    });
  }

  /** @internal One envelope from a stream, processed exactly as sync() does (no-op if done). */
  processStreamed(message: GroupMessage): Promise<void> {
    return this.ctx.lock.run(this.id, async () => {
      await this.processMessages([message]);
      const fresh = await this.ctx.db.groups.get(this.groupId);
      if (fresh !== undefined) this.stored = fresh;
    });
  }

  /** This conversation's messages as they arrive: first those since the last sync, then live. */
  stream(options: StreamMessagesOptions = {}): Promise<Stream<DecodedMessage>> {
    return streamGroupMessages(this.ctx, this, options);
  }

  /**
   * The HMAC keys of this conversation for the 30-day epochs around now (push servers use them to
   * drop our own messages); every installation of the inbox derives the same ones once device
   * sync shared the inbox's root key. Keyed by hex group id, as libxmtp's hmac_keys.
   */
  async hmacKeys(): Promise<Record<string, { key: Uint8Array; epoch: bigint }[]>> {
    const root = await hmacRootKey(this.ctx.db);
    return {
      [this.id]: deriveHmacKeys(root, this.groupId).map((k) => ({
        key: k.key,
        epoch: BigInt(k.epoch),
      })),
    };
  }

  // ---- consent ----

  /** Its own consent record, else (DMs) the peer inbox's, else "unknown". */
  async consentState(): Promise<ConsentStateName> {
    return conversationConsent(this.ctx.db, this.stored, this.ctx.identity.inboxId);
  }

  async updateConsentState(state: ConsentStateName): Promise<void> {
    checkConsentState(state);
    this.ctx.prefs.consentChanged(
      await setConsent(this.ctx.db, [{ entityType: "conversation_id", entity: this.id, state }]),
    );
  }

  protected async receive(): Promise<number> {
    const lastSeen = await groupCursor(this.ctx.db, this.groupId);
    const messages = await this.ctx.syncApi.queryGroupMessages(this.groupId, { lastSeen });
    await this.processMessages(messages, lastSeen);
    const fresh = await this.ctx.db.groups.get(this.groupId);
    if (fresh !== undefined) this.stored = fresh;
    return messages.length;
  }

  /**
   * Processes envelopes in server order. Runs of application messages and proposals (and
   * messages we cannot read) are decrypted on an in-memory state and stored together, up to
   * BATCH_MESSAGES per transaction: group state, stored messages and cursor move together, so a
   * crash keeps all of a run or none of it. Commits and our own payloads are stored one by one.
   */
  private async processMessages(
    messages: readonly GroupMessage[],
    storedCursor?: VectorCursor,
  ): Promise<void> {
    if (messages.length === 0) return;
    // One cursor per originator (v3 nodes: originator 0 only; d14n: commits under 0).
    const cursor = new Map(storedCursor ?? (await groupCursor(this.ctx.db, this.groupId)));
    let run: PendingRun | undefined;
    const flush = async () => {
      if (run === undefined) return;
      const done = run;
      run = undefined;
      let leaves = 0;
      const deleted: Uint8Array[] = [];
      await this.ctx.db.transaction(async (tx) => {
        if (done.state !== undefined) await this.saveState(tx, done.state);
        for (const row of done.rows) {
          const stored = await tx.messages.insertOrIgnore(row);
          if (!stored || done.state === undefined) continue;
          if (isLeaveRequest(row)) {
            await recordLeaveRequest(tx, row, done.state, this.ctx.identity.inboxId, this.now());
            leaves++;
          } else if (isDeleteMessage(row)) {
            const target = await recordDeletion(tx, row, done.state, this.now());
            if (target !== undefined) deleted.push(target);
          }
        }
        for (const [originator, id] of done.last) {
          await tx.cursors.advance(this.groupId, CursorKind.ApplicationMessage, originator, id);
        }
      });
      if (leaves > 0) await this.afterLeaveRequest();
      for (const id of deleted) this.notifyDeleted(id);
    };
    for (const message of messages) {
      if (message.version.case !== "v1") continue;
      const m = message.version.value;
      const originator = originatorOf(message);
      if (m.id <= (cursor.get(originator) ?? 0n)) continue;
      cursor.set(originator, m.id);
      const own = await this.ctx.db.intents.findByPayloadHash(sha256(m.data));
      if (own !== undefined && toHex(own.groupId) === this.id) {
        await flush();
        await this.processOwn(own, { originatorId: originator, sequenceId: m.id }, m.createdNs);
        continue;
      }
      const state = run?.state ?? (await this.state());
      let processed: Awaited<ReturnType<typeof processGroupMessage>> | undefined;
      try {
        processed = await processGroupMessage(state, m.data);
      } catch (e) {
        // Stale commits (lost races), undecryptable or forged messages: typed error, state kept.
        if (!this.sentBeforeWeJoined(e, m.createdNs)) {
          this.ctx.onSkipped(e, { groupId: this.groupId, cursor: m.id });
        }
        if ((e as { code?: unknown }).code === "MLS_EPOCH_IN_FUTURE") {
          await this.markMaybeForked(m.id, state.groupContext.epoch, e);
        }
      }
      if (processed === undefined || processed.kind !== "commit") {
        run ??= { state: undefined, rows: [], last: new Map(), count: 0 };
        run.last.set(originator, m.id);
        run.count++;
        if (processed !== undefined) run.state = processed.newState;
        if (processed?.kind === "application") {
          const row = this.receivedRow(processed, m, originator, this.expiryAt(state));
          if (row !== undefined) run.rows.push(row);
        }
        if (run.count >= BATCH_MESSAGES) await flush();
        continue;
      }
      await flush();
      await this.processCommit(processed, m, originator);
    }
    await flush();
  }

  /**
   * On d14n a member that joined has no cursor yet for the application messages' originator, so
   * its first read brings the messages sent before it joined, which it cannot decrypt (libxmtp
   * 1.9.1 reads and drops them too). They are expected: not reported as skipped. Known by their
   * epoch being too old and their time being before we stored the group.
   */
  private sentBeforeWeJoined(error: unknown, sentNs: bigint): boolean {
    return (
      (error as { code?: unknown }).code === "MLS_EPOCH_TOO_OLD" &&
      this.stored.welcomeCursor !== null &&
      sentNs < this.stored.createdAtNs
    );
  }

  /**
   * A message from an epoch ahead of ours: we may have forked from the other members (libxmtp's
   * local fork signal, `process_group_message_error_for_fork_detection`). Shown by debugInfo().
   */
  private async markMaybeForked(cursor: bigint, epoch: bigint, error: unknown): Promise<void> {
    const forkDetails = `Message cursor [${cursor}] is from an epoch greater than group epoch [${epoch}], your group may be forked (${errorText(error)})`;
    await this.ctx.db.groups.update(this.groupId, { maybeForked: true, forkDetails });
    this.stored = { ...this.stored, maybeForked: true, forkDetails };
  }

  /**
   * What libxmtp's conversation debug info shows: the epoch, whether this installation may have
   * forked from the group (a message from a future epoch was seen), and the commit-log state
   * (not kept yet: null).
   */
  async debugInfo(): Promise<{
    epoch: bigint;
    maybeForked: boolean;
    forkDetails: string;
    isCommitLogForked: boolean | null;
  }> {
    const fresh = (await this.ctx.db.groups.get(this.groupId)) ?? this.stored;
    return {
      epoch: await this.epoch(),
      maybeForked: fresh.maybeForked,
      forkDetails: fresh.forkDetails,
      isCommitLogForked: fresh.isCommitLogForked,
    };
  }

  /** The stored row of an application message from another member (none for empty frames). */
  private receivedRow(
    processed: Extract<Awaited<ReturnType<typeof processGroupMessage>>, { kind: "application" }>,
    m: GroupMessageV1,
    originatorId: number,
    expireAtNs: bigint | null,
  ): StoredMessage | undefined {
    const env = processed.envelope;
    const sender = processed.sender;
    if (env?.kind !== "v1" || processed.messageId === undefined || sender.inboxId === undefined) {
      return undefined;
    }
    const type = decodeType(env.content);
    return {
      id: processed.messageId,
      groupId: this.groupId,
      decryptedMessageBytes: env.content,
      sentAtNs: m.createdNs,
      kind: MessageKind.Application,
      senderInstallationId: sender.installationId,
      senderInboxId: sender.inboxId,
      deliveryStatus: DeliveryStatus.Published,
      contentType: contentTypeNumber(type),
      authorityId: type?.authorityId ?? "",
      versionMajor: type?.versionMajor ?? 0,
      versionMinor: type?.versionMinor ?? 0,
      referenceId: null,
      originatorId,
      sequenceId: m.id,
      insertedAtNs: nowNs(),
      expireAtNs,
      shouldPush: m.shouldPush,
      idempotencyKey: env.idempotencyKey,
    };
  }

  /** Another member's commit: identities checked, then state, transcript and cursor together. */
  private async processCommit(
    processed: Extract<Awaited<ReturnType<typeof processGroupMessage>>, { kind: "commit" }>,
    m: GroupMessageV1,
    originatorId: number,
  ): Promise<void> {
    const advance = (tx: TransactionScope) =>
      tx.cursors.advance(this.groupId, CursorKind.ApplicationMessage, originatorId, m.id);
    let checked: Awaited<ReturnType<typeof validateCommit>>;
    try {
      checked = await validateCommit(this.ctx.identities, processed);
    } catch (e) {
      // The node went away while we checked identities: read this commit again, do not skip it.
      if (isTransient(e)) throw e;
      this.ctx.onSkipped(e, { groupId: this.groupId, cursor: m.id });
      await this.ctx.db.transaction(advance);
      return;
    }
    await this.ctx.db.transaction(async (tx) => {
      await this.saveState(tx, processed.newState);
      await this.storeTranscript(
        tx,
        checked.committerInboxId,
        checked.before,
        checked.after,
        { id: m.id, createdNs: m.createdNs, originatorId },
        processed.diff.committer?.installationId,
      );
      await advance(tx);
    });
  }

  /** Our own payload came back: merge the staged commit (or notice it lost), or mark the message sent. */
  private async processOwn(intent: StoredIntent, cursor: Cursor, createdNs: bigint): Promise<void> {
    const id = cursor.sequenceId;
    const advance = (tx: TransactionScope) =>
      tx.cursors.advance(this.groupId, CursorKind.ApplicationMessage, cursor.originatorId, id);
    if (intent.kind === IntentKind.SendMessage) {
      // Our message disappears counting from its confirmation (libxmtp: on the sender's clock).
      const state = await this.state();
      const expireAt = this.expiryAt(state);
      let leave = false;
      await this.ctx.db.transaction(async (tx) => {
        await tx.messages.setPublished(intent.data, cursor, createdNs, expireAt ?? undefined);
        const sent = await tx.messages.get(intent.data);
        if (sent !== undefined && isLeaveRequest(sent)) {
          await recordLeaveRequest(tx, sent, state, this.ctx.identity.inboxId, this.now());
          leave = true;
        }
        await tx.intents.setCommitted(intent.id, cursor);
        await tx.intents.setState(intent.id, IntentState.Processed);
        await advance(tx);
      });
      if (leave) await this.afterLeaveRequest();
      return;
    }
    const state = await this.state();
    if (
      intent.state !== IntentState.Published ||
      intent.publishedInEpoch !== state.groupContext.epoch ||
      intent.stagedCommit === null
    ) {
      // Another commit won this epoch: our commit is void; rebuild it on the new state.
      await this.ctx.db.transaction(async (tx) => {
        if (intent.state === IntentState.Published) await tx.intents.setToPublish(intent.id);
        await advance(tx);
      });
      return;
    }
    // The staged state is usually still in memory from driveCommit; its bytes are stored as is.
    const staged = intent.stagedCommit;
    const merged = stateCacheOf(this.ctx.db).decode(stagedKey(this.id), staged);
    try {
      await checkOnReadBack(this.ctx.identities, state, merged);
    } catch (e) {
      if (isTransient(e)) throw e;
      // Members reject it too: nobody moves to its epoch. Not merged; the caller gets the error.
      this.ctx.onSkipped(e, { groupId: this.groupId, cursor: id });
      rememberRefused(this.ctx.db, intent.id, e);
      await this.ctx.db.transaction(async (tx) => {
        await tx.intents.setState(intent.id, IntentState.Error);
        await advance(tx);
      });
      return;
    }
    const before = readGroupExtensions(state.groupContext.extensions);
    const after = readGroupExtensions(merged.groupContext.extensions);
    await this.ctx.db.transaction(async (tx) => {
      await this.saveState(tx, merged, staged);
      await this.storeTranscript(
        tx,
        this.ctx.identity.inboxId,
        before,
        after,
        { id, createdNs, originatorId: cursor.originatorId },
        this.ctx.identity.installationKey.publicKey,
      );
      await tx.intents.setCommitted(intent.id, cursor);
      await tx.groups.update(this.groupId, { rotatedAtNs: nowNs() });
      await advance(tx);
    });
    // Post-commit action: welcomes for the installations the commit added, with its server id.
    // If this fails (or we crash here) the intent stays Committed and the next sync sends them.
    await sendPostCommitWelcomes(this.ctx, intent.postCommitData, id);
    await this.ctx.db.intents.setState(intent.id, IntentState.Processed);
  }

  private async storeTranscript(
    tx: TransactionScope,
    committerInboxId: string,
    before: XmtpGroupExtensions,
    after: XmtpGroupExtensions,
    m: { id: bigint; createdNs: bigint; originatorId: number },
    installationId: Uint8Array | undefined,
  ): Promise<void> {
    const pending = await tx.pendingRemoves.list(this.groupId);
    const content = groupUpdatedContent(committerInboxId, before, after, pending);
    // Inboxes no longer members have nothing left pending (libxmtp's clean_pending_remove_list).
    const gone = pending.filter((i) => !(i in after.membership.members));
    if (gone.length > 0) await tx.pendingRemoves.delete(this.groupId, gone);
    if (content === undefined) return;
    // libxmtp keys local transcript messages by the commit's server timestamp.
    const idempotencyKey = m.createdNs.toString();
    await tx.messages.insertOrIgnore({
      id: calculateMessageId(this.groupId, content, idempotencyKey),
      groupId: this.groupId,
      decryptedMessageBytes: content,
      sentAtNs: m.createdNs,
      kind: MessageKind.MembershipChange,
      senderInstallationId: installationId ?? new Uint8Array(),
      senderInboxId: committerInboxId,
      deliveryStatus: DeliveryStatus.Published,
      contentType: 3 as ContentType,
      authorityId: "xmtp.org",
      versionMajor: 1,
      versionMinor: 0,
      referenceId: null,
      originatorId: m.originatorId,
      sequenceId: m.id,
      insertedAtNs: nowNs(),
      expireAtNs: null,
      shouldPush: false,
      idempotencyKey,
    });
  }

  // ---- sending ----

  /**
   * Publishes one MLS message. On d14n it names the last commit we processed (`depends_on`,
   * as libxmtp does), so readers order it after that commit.
   */
  private async publish(data: Uint8Array, shouldPush: boolean): Promise<void> {
    const input = await this.groupMessageInput(data, shouldPush);
    const dependsOn = this.ctx.api.client.originatorAware
      ? await commitDependency(this.ctx.db, this.groupId)
      : undefined;
    await this.ctx.api.sendGroupMessages([input], dependsOn === undefined ? {} : { dependsOn });
  }

  private async groupMessageInput(data: Uint8Array, shouldPush: boolean) {
    const key = deriveHmacKey(await hmacRootKey(this.ctx.db), this.groupId, hmacEpoch());
    return create(GroupMessageInputSchema, {
      version: { case: "v1", value: { data, senderHmac: senderHmac(key, data), shouldPush } },
    });
  }

  /** Sends content encoded with `codec` (text by default); returns the hex message id. */
  async send<T = string>(content: T, codec?: ContentCodec<T>): Promise<string> {
    const c = (codec ?? (new TextCodec() as unknown as ContentCodec<T>)) as ContentCodec<T>;
    const encoded = encodeContentMessage(c, content);
    await this.allow(); // sending means consenting
    return this.sendEncoded(encoded, c.shouldPush(content));
  }

  /** Consent "allowed" for this conversation (told to the other installations too). */
  protected async allow(): Promise<void> {
    this.ctx.prefs.consentChanged(await allowConversation(this.ctx.db, this.id));
  }

  /** Encrypts, stores and publishes encoded content; returns the hex message id. */
  protected sendEncoded(encoded: EncodedContent, shouldPush: boolean): Promise<string> {
    const bytes = toBinary(EncodedContentSchema, encoded);
    return this.ctx.lock.run(this.id, async () => {
      // No sync before encrypting (as libxmtp): if a commit we have not read moved the epoch on,
      // members still decrypt with the past epoch's retained keys, and the sync after the publish
      // reads that commit.
      // libxmtp rotates its leaf key before the first message after joining. If that commit keeps
      // losing the epoch to other members' commits, the message goes out anyway and the key
      // update is tried again before the next send: a send must not fail because others are busy.
      if (this.stored.rotatedAtNs === 0n) {
        try {
          await this.runCommit({ op: "keyUpdate" });
        } catch (e) {
          if (!(e instanceof ClientError && e.code === "CLIENT_INTENT_FAILED")) throw e;
        }
      }
      const state = await this.state();
      const out = await encryptApplicationMessage(state, bytes);
      const type = encoded.type;
      await this.ctx.db.transaction(async (tx) => {
        await this.saveState(tx, out.newState);
        await tx.messages.insert({
          id: out.messageId,
          groupId: this.groupId,
          decryptedMessageBytes: bytes,
          sentAtNs: nowNs(),
          kind: MessageKind.Application,
          senderInstallationId: this.ctx.identity.installationKey.publicKey,
          senderInboxId: this.ctx.identity.inboxId,
          deliveryStatus: DeliveryStatus.Unpublished,
          contentType: contentTypeNumber(type),
          authorityId: type?.authorityId ?? "",
          versionMajor: type?.versionMajor ?? 0,
          versionMinor: type?.versionMinor ?? 0,
          referenceId: null,
          originatorId: 0,
          sequenceId: 0n,
          insertedAtNs: nowNs(),
          expireAtNs: null,
          shouldPush,
          idempotencyKey: out.idempotencyKey,
        });
        const intent = await tx.intents.insert({
          kind: IntentKind.SendMessage,
          groupId: this.groupId,
          data: out.messageId,
          shouldPush,
        });
        await tx.intents.setPublished(intent.id, {
          payloadHash: sha256(out.message),
          postCommitData: null,
          stagedCommit: null,
          publishedInEpoch: out.epoch,
        });
      });
      await this.publish(out.message, shouldPush);
      await this.receive();
      return toHex(out.messageId);
    });
  }

  sendText(text: string): Promise<string> {
    return this.send(text, new TextCodec());
  }

  /**
   * A message stored and encrypted but never seen on the node (crash or failed call before the
   * publish): encrypted again on the current state with its idempotency key (same message id).
   */
  private async republishMessage(intent: StoredIntent): Promise<void> {
    const stored = await this.ctx.db.messages.get(intent.data);
    if (stored === undefined || stored.deliveryStatus === DeliveryStatus.Published) {
      await this.ctx.db.intents.setState(intent.id, IntentState.Processed);
      return;
    }
    let out: Awaited<ReturnType<typeof encryptApplicationMessage>>;
    try {
      out = await encryptApplicationMessage(await this.state(), stored.decryptedMessageBytes, {
        idempotencyKey: stored.idempotencyKey,
      });
    } catch (e) {
      // We left the group meanwhile: the message cannot go out any more.
      await this.ctx.db.transaction(async (tx) => {
        await tx.messages.setDeliveryStatus(stored.id, DeliveryStatus.Failed);
        await tx.intents.setState(intent.id, IntentState.Error);
      });
      this.ctx.onSkipped(e, { groupId: this.groupId, cursor: 0n });
      return;
    }
    await this.ctx.db.transaction(async (tx) => {
      await this.saveState(tx, out.newState);
      if (intent.state === IntentState.Published) await tx.intents.setToPublish(intent.id);
      await tx.intents.setPublished(intent.id, {
        payloadHash: sha256(out.message),
        postCommitData: null,
        stagedCommit: null,
        publishedInEpoch: out.epoch,
      });
    });
    await this.publish(out.message, stored.shouldPush);
  }

  // ---- commits ----

  addMembers(inboxIds: readonly string[]): Promise<void> {
    return this.ctx.lock.run(this.id, () =>
      this.runCommit({ op: "membership", add: [...inboxIds], remove: [] }),
    );
  }

  removeMembers(inboxIds: readonly string[]): Promise<void> {
    return this.ctx.lock.run(this.id, () =>
      this.runCommit({ op: "membership", add: [], remove: [...inboxIds] }),
    );
  }

  updateName(name: string): Promise<void> {
    return this.updateMetadata(MetadataField.GroupName, name);
  }

  updateDescription(description: string): Promise<void> {
    return this.updateMetadata(MetadataField.Description, description);
  }

  updateImageUrl(url: string): Promise<void> {
    return this.updateMetadata(MetadataField.GroupImageUrlSquare, url);
  }

  updateAppData(appData: string): Promise<void> {
    return this.updateMetadata(MetadataField.AppData, appData);
  }

  /** Admin-list changes (libxmtp's UpdateAdminList intent); who may make them is the policy's say. */
  addAdmin(inboxId: string): Promise<void> {
    return this.updateAdmins("add_admin", inboxId);
  }

  removeAdmin(inboxId: string): Promise<void> {
    return this.updateAdmins("remove_admin", inboxId);
  }

  addSuperAdmin(inboxId: string): Promise<void> {
    return this.updateAdmins("add_super_admin", inboxId);
  }

  removeSuperAdmin(inboxId: string): Promise<void> {
    return this.updateAdmins("remove_super_admin", inboxId);
  }

  /**
   * Changes one policy (libxmtp's UpdatePermission intent; only super admins may). The new
   * policy set is built on the group's current one when the commit is staged.
   */
  updatePermission(
    type: PermissionUpdateType,
    policy: PermissionPolicy,
    metadataField?: string,
  ): Promise<void> {
    return this.ctx.lock.run(this.id, async () => {
      // Refuse a bad combination before anything is stored.
      withPermission((await this.extensions()).permissions, type, policy, metadataField);
      await this.runCommit({
        op: "permission",
        type,
        policy,
        ...(metadataField === undefined ? {} : { metadataField }),
      });
    });
  }

  private updateAdmins(action: AdminListAction, inboxId: string): Promise<void> {
    return this.ctx.lock.run(this.id, () => this.runCommit({ op: "admin", action, inboxId }));
  }

  updateMetadata(field: string, value: string): Promise<void> {
    return this.ctx.lock.run(this.id, () => this.runCommit({ op: "metadata", field, value }));
  }

  /** A self-update commit (new leaf key). */
  rotateKey(): Promise<void> {
    return this.ctx.lock.run(this.id, () => this.runCommit({ op: "keyUpdate" }));
  }

  /** Adds the installations inboxes gained and drops the ones they revoked. */
  updateInstallations(): Promise<void> {
    return this.ctx.lock.run(this.id, () =>
      this.runCommit({ op: "membership", add: [], remove: [] }),
    );
  }

  /** Stores the intent, then stages, publishes and reads back until it is merged. */
  protected async runCommit(data: CommitIntentData): Promise<void> {
    const kind =
      data.op === "keyUpdate"
        ? IntentKind.KeyUpdate
        : data.op === "metadata"
          ? IntentKind.MetadataUpdate
          : data.op === "admin"
            ? IntentKind.UpdateAdminList
            : data.op === "permission"
              ? IntentKind.UpdatePermission
              : IntentKind.UpdateGroupMembership;
    const intent = await this.ctx.db.intents.insert({
      kind,
      groupId: this.groupId,
      data: json(data),
      shouldPush: false,
    });
    await this.driveCommit(intent.id, data);
  }

  /** Stages, publishes and reads back a ToPublish commit intent until it is merged. */
  private async driveCommit(intentId: number, data: CommitIntentData): Promise<void> {
    const intent = { id: intentId };
    let lastError: unknown;
    // As libxmtp: stage on the state we hold and publish, then read back. A commit that lost its
    // epoch to another one is noticed in that read (processOwn) and rebuilt on the new state, so
    // a separate read before staging would only cost a call. We read first only when the last
    // attempt could not publish (and so did not read back).
    let readFirst = false;
    for (let attempt = 0; attempt < MAX_PUBLISH_ATTEMPTS; attempt++) {
      if (readFirst) await this.receive();
      readFirst = false;
      const state = await this.state();
      let staged: StagedCommit | undefined;
      try {
        staged = await this.stage(data, state);
      } catch (e) {
        await this.ctx.db.intents.setState(intent.id, IntentState.Error);
        throw e;
      }
      if (staged === undefined) {
        await this.ctx.db.intents.setState(intent.id, IntentState.Processed);
        return;
      }
      try {
        await checkBeforePublish(this.ctx.identities, state, staged);
      } catch (e) {
        await this.ctx.db.intents.setState(intent.id, IntentState.Error);
        throw e;
      }
      const post: PostCommit =
        staged.welcome === undefined
          ? {}
          : {
              welcome: {
                message: toHex(staged.welcome.message),
                recipients: staged.welcome.recipients.map(storedRecipient),
              },
            };
      const stagedBytes = serializeGroupState(staged.newState);
      await this.ctx.db.transaction(async (tx) => {
        await tx.intents.setPublished(intent.id, {
          payloadHash: sha256(staged.commit),
          postCommitData: json(post),
          stagedCommit: stagedBytes,
          publishedInEpoch: staged.epoch,
        });
        await tx.intents.incrementPublishAttempts(intent.id);
      });
      stateCacheOf(this.ctx.db).remember(stagedKey(this.id), stagedBytes, staged.newState);
      try {
        await this.publish(staged.commit, false);
      } catch (e) {
        lastError = e;
        await this.ctx.db.intents.setToPublish(intent.id);
        readFirst = true;
        continue;
      }
      await this.receive();
      const now = await this.ctx.db.intents.get(intent.id);
      if (now?.state === IntentState.Processed || now?.state === IntentState.Committed) return;
      if (now?.state === IntentState.Error) throw refusedError(this.ctx.db, intent.id);
      if (now?.state === IntentState.Published) await this.ctx.db.intents.setToPublish(intent.id);
    }
    await this.ctx.db.intents.setState(intent.id, IntentState.Error);
    throw new ClientError(
      "CLIENT_INTENT_FAILED",
      `the commit was not accepted after ${MAX_PUBLISH_ATTEMPTS} attempts (other commits kept winning the epoch, or publishing failed); sync and try again`,
      { retryable: true, ...(lastError === undefined ? {} : { cause: lastError }) },
    );
  }

  /** Builds the commit for an intent on the current state; undefined when there is nothing to do. */
  private async stage(
    data: CommitIntentData,
    state: ClientState,
  ): Promise<StagedCommit | undefined> {
    switch (data.op) {
      case "keyUpdate":
        return selfUpdate(state);
      case "metadata":
        return updateMetadataField(state, data.field, data.value);
      case "admin":
        return updateAdminList(state, data.action, data.inboxId);
      case "permission": {
        const current = readGroupExtensions(state.groupContext.extensions).permissions;
        const next = withPermission(current, data.type, data.policy, data.metadataField);
        return updatePermissions(state, next);
      }
      case "membership": {
        if (data.remove.length > 0 && data.add.length === 0) {
          const ext = readGroupExtensions(state.groupContext.extensions);
          const present = data.remove.filter((i) => i in ext.membership.members);
          if (present.length === 0) return undefined;
          return engineRemoveMembers(state, present);
        }
        const change = await this.planMembership(state, data.add, data.remove);
        if (change === undefined) return undefined;
        return updateGroupMembership(state, change);
      }
    }
  }

  /**
   * libxmtp's membership update: every inbox of the group plus the new ones at its latest
   * identity sequence id; installations the identity state has and the tree lacks are added (with
   * validated key packages), ones the tree has and the state lost are removed.
   */
  private async planMembership(
    state: ClientState,
    add: readonly string[],
    remove: readonly string[],
  ): Promise<MembershipChange | undefined> {
    const ext = readGroupExtensions(state.groupContext.extensions);
    const inboxes = [...new Set([...Object.keys(ext.membership.members), ...add])].filter(
      (i) => !remove.includes(i),
    );
    const latest = await this.ctx.identities.latest(inboxes);
    const tree = groupMembers(state);
    const inTree = new Set(tree.map((m) => toHex(m.installationId)));
    const failedBefore = new Set(ext.membership.failedInstallations.map(toHex));
    const membershipUpdates: Record<string, bigint> = {};
    const wanted: { inbox: string; key: Uint8Array }[] = [];
    const removeInstallations: Uint8Array[] = [];
    for (const inbox of inboxes) {
      const st = latest.get(inbox)!;
      if (ext.membership.members[inbox] === st.sequenceId) continue;
      membershipUpdates[inbox] = st.sequenceId;
      const ids = st.state.installationIds();
      const idSet = new Set(ids.map(toHex));
      for (const key of ids) {
        if (!inTree.has(toHex(key)) && !failedBefore.has(toHex(key))) wanted.push({ inbox, key });
      }
      for (const m of tree) {
        if (m.inboxId === inbox && !idSet.has(toHex(m.installationId))) {
          removeInstallations.push(m.installationId);
        }
      }
    }
    for (const inbox of remove) {
      for (const m of tree) if (m.inboxId === inbox) removeInstallations.push(m.installationId);
    }
    const fetched =
      wanted.length === 0 ? [] : await this.ctx.api.fetchKeyPackages(wanted.map((w) => w.key));
    // Validated side by side: the signature checks run on WebCrypto's worker threads.
    const checked = await Promise.all(
      wanted.map(async (w, i) => {
        const bytes = fetched[i];
        try {
          if (bytes === undefined) throw new Error("no key package");
          const kp = await validateKeyPackage(bytes);
          if (kp.inboxId !== w.inbox || toHex(kp.installationId) !== toHex(w.key)) {
            throw new Error("the key package belongs to another installation or inbox");
          }
          return kp;
        } catch {
          return undefined;
        }
      }),
    );
    const kps: VerifiedKeyPackage[] = [];
    const failed: Uint8Array[] = [];
    for (const [i, kp] of checked.entries()) {
      if (kp === undefined) failed.push(wanted[i]!.key);
      else kps.push(kp);
    }
    for (const inbox of add) {
      if (!(inbox in ext.membership.members) && !kps.some((k) => k.inboxId === inbox)) {
        throw new ClientError(
          "CLIENT_NO_KEY_PACKAGE",
          `inbox ${inbox} has no installation with a valid key package; it cannot be added`,
        );
      }
    }
    const removeInboxes = remove.filter((i) => i in ext.membership.members);
    if (
      kps.length === 0 &&
      removeInstallations.length === 0 &&
      removeInboxes.length === 0 &&
      Object.keys(membershipUpdates).length === 0
    ) {
      return undefined;
    }
    return {
      add: kps,
      removeInstallations,
      membershipUpdates,
      removeInboxes,
      failedInstallations: failed,
    };
  }
}

/** The state cache's key for a group's staged (published, not yet merged) commit. */
const stagedKey = (groupId: string) => `${groupId}:staged`;

function decodeType(content: Uint8Array): ContentTypeId | undefined {
  try {
    return fromBinary(EncodedContentSchema, content).type;
  } catch {
    return undefined;
  }
}

/** A DM: a group of two inboxes, found again by its dm id. */
export class Dm extends Group {
  /**
   * Syncs every MLS group stitched into this DM, as libxmtp's DM sync does: when both sides
   * created the DM at once, the peer may be writing to the other group.
   */
  override async sync(): Promise<number> {
    let read = await super.sync();
    if (this.stored.dmId === null) return read;
    for (const row of await this.ctx.db.groups.findDms(this.stored.dmId)) {
      if (toHex(row.id) !== this.id) read += await new Group(this.ctx, row).sync();
    }
    return read;
  }

  /** The other inbox. */
  get peerInboxId(): string {
    const dmId = this.stored.dmId ?? "";
    const [, a, b] = dmId.split(":");
    return a === this.ctx.identity.inboxId.toLowerCase() ? (b ?? "") : (a ?? "");
  }
}

export type Conversation = Group | Dm;
