// Device sync (libxmtp 1.9.1 `groups/device_sync`): the installations of one inbox share a
// "sync group" (conversation type SYNC, only our inbox as member). In it they send requests for
// history, acknowledgements, replies pointing at an encrypted archive on a history server, and
// preference updates (consent records, the inbox's HMAC root key). Nothing here is listed among
// conversations. Each sync-group message is handled once, also across restarts.
import { bytesEqual, randomBytes, toHex } from "@x/crypto";
import {
  type ConsentRecord,
  ConversationType,
  GroupMembershipState,
  MessageKind,
  type StoredGroup,
  type StoredMessage,
} from "@x/db";
import { create } from "@x/proto";
import { BackupElementSelection, BackupMetadataSaveSchema } from "@x/proto/device_sync";
import type { ConsentSave } from "@x/proto/device_sync/consent_backup";
import type {
  DeviceSyncContent,
  DeviceSyncReply,
  DeviceSyncRequest,
  PreferenceUpdates,
} from "@x/proto/device_sync/content";
import type { SendSyncArchive } from "@x/proto/mls/database";
import { createSyncGroup, newHmacRootKey, serializeGroupState } from "../../engine/index.js";
import { consentOfMany } from "../consent.js";
import type { ClientContext } from "../context.js";
import { nowNs } from "../context.js";
import { ClientError, errorText } from "../errors.js";
import { Group } from "../group.js";
import { storedGroup } from "../stored-group.js";
import { newTask } from "../workers/tasks.js";
import {
  type ArchiveOptions,
  consentFromSave,
  consentToSave,
  exportArchiveBytes,
  importArchive,
} from "./archive/index.js";
import { downloadArchive, uploadArchive } from "./history-client.js";
import { decodeSyncContent, encodeSyncContent, newRequestId } from "./sync-content.js";

const NS_PER_MS = 1_000_000n;
const DAY_NS = 86_400_000n * NS_PER_MS;
/** libxmtp adds a new installation to the groups active in the last 90 days. */
const ACTIVE_WINDOW_NS = 90n * DAY_NS;
/** ... 10 groups at a time (`add_new_installation_to_groups`). */
const ADD_CONCURRENCY = 10;
/** libxmtp's SendSyncArchive task: 3 days to live, 20 attempts. */
const ARCHIVE_TASK_EXPIRY_NS = 3n * DAY_NS;
const ARCHIVE_TASK_ATTEMPTS = 20;
/** libxmtp's HMAC root keys are 42 bytes; others are refused. */
const HMAC_KEY_BYTES = 42;

export interface DeviceSyncOptions {
  /** Device sync on (libxmtp's default) or off. */
  enabled: boolean;
  /** The history server this installation uploads archives to; none: it never answers requests. */
  historySyncUrl: string | undefined;
}

/** A sync group: a group that gives no consent and sends device-sync content without push. */
export class SyncGroup extends Group {
  protected override async allow(): Promise<void> {}

  /** @internal */
  sendSyncContent(content: DeviceSyncContent["content"]): Promise<string> {
    return this.sendEncoded(encodeSyncContent(content), false);
  }
}

/** What the hooks in Conversations need from device sync. */
export interface DeviceSyncHooks {
  /** A sync group joined by welcome (stored, not handled yet). */
  syncGroupJoined(): void;
  /** After syncAll: sync the sync groups that need it were synced; handle their messages. */
  afterSyncAll(): Promise<void>;
}

export class DeviceSync implements DeviceSyncHooks {
  #pendingConsent: ConsentRecord[] = [];

  constructor(
    private readonly ctx: ClientContext,
    private readonly options: DeviceSyncOptions,
    private readonly syncWelcomes: () => Promise<unknown>,
  ) {
    if (options.enabled) {
      ctx.prefs.outgoing = (records) => {
        this.#pendingConsent.push(...records);
        ctx.workers?.wake("device-sync");
      };
    }
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  private get me(): string {
    return this.ctx.identity.inboxId;
  }

  private checkEnabled(): void {
    if (!this.options.enabled) {
      throw new ClientError(
        "CLIENT_DEVICE_SYNC_DISABLED",
        "device sync is disabled for this client (deviceSyncMode: disabled); build it with device sync enabled",
      );
    }
  }

  // ---- sync groups ----

  /** Our sync groups, newest (the primary one) first. */
  async syncGroups(): Promise<StoredGroup[]> {
    const all = await this.ctx.db.groups.list({
      conversationTypes: [ConversationType.Sync],
      membershipStates: [GroupMembershipState.Allowed],
    });
    return all.sort((a, b) => (a.createdAtNs < b.createdAtNs ? 1 : -1));
  }

  private async primary(): Promise<SyncGroup | undefined> {
    const [newest] = await this.syncGroups();
    return newest === undefined ? undefined : new SyncGroup(this.ctx, newest);
  }

  /** A new sync group with every other installation of our inbox (libxmtp `get_sync_group`). */
  private async createGroup(): Promise<SyncGroup> {
    const state = await createSyncGroup(this.ctx.identity);
    const now = nowNs();
    const stored = storedGroup({
      id: state.groupContext.groupId,
      conversationType: ConversationType.Sync,
      addedByInboxId: this.me,
      dmId: null,
      welcomeCursor: null,
      rotatedAtNs: now,
      createdAtNs: now,
      // Handled (see handleNewSyncGroups): the groups of its members are ours already.
      installationsLastCheckedNs: now,
    });
    await this.ctx.db.transaction(async (tx) => {
      await tx.groups.insert(stored);
      await tx.mls.putGroupState(stored.id, 0n, serializeGroupState(state));
    });
    const group = new SyncGroup(this.ctx, stored);
    await group.updateInstallations();
    return group;
  }

  /**
   * The worker's first round (libxmtp `sync_init`): with other installations of our inbox and no
   * sync group, create one (they are added) and, with a history server, ask for history. Unlike
   * 1.9.1, an installation alone in its inbox makes none (no one would read it).
   */
  async init(): Promise<void> {
    if (!this.options.enabled || (await this.syncGroups()).length > 0) return;
    // The stored identity updates (no call): registration read them; an installation that came
    // later makes its own sync group and adds us.
    const state = await this.ctx.identities.stateOf(this.me).catch(() => undefined);
    if (state === undefined || state.state.installationIds().length < 2) return;
    const group = await this.createGroup();
    if (this.options.historySyncUrl !== undefined) await this.request(group);
  }

  /** Asks our other installations for history; returns the request id. */
  async sendSyncRequest(): Promise<string> {
    this.checkEnabled();
    let group = await this.primary();
    if (group === undefined) group = await this.createGroup();
    else {
      await group.updateInstallations(); // installations that came after the group
      await group.sync();
    }
    return this.request(group);
  }

  private async request(group: SyncGroup): Promise<string> {
    const requestId = newRequestId();
    await group.sendSyncContent({
      case: "request",
      value: {
        requestId,
        pinCode: "",
        options: {
          elements: [BackupElementSelection.MESSAGES, BackupElementSelection.CONSENT],
        },
      } as DeviceSyncRequest,
    });
    return requestId;
  }

  // ---- syncing ----

  /** A sync-group welcome was stored: the worker handles it soon (syncPreferences at once). */
  syncGroupJoined(): void {
    this.ctx.workers?.wake("device-sync");
  }

  /** libxmtp `sync_preferences`: welcomes, every sync group, then what they brought. */
  async syncPreferences(): Promise<{ processed: number }> {
    this.checkEnabled();
    await this.syncWelcomes();
    for (const g of await this.syncGroups()) {
      try {
        await new SyncGroup(this.ctx, g).sync();
      } catch (e) {
        this.ctx.onSkipped(e, { groupId: g.id, cursor: 0n });
      }
    }
    return this.processLocal();
  }

  async afterSyncAll(): Promise<void> {
    if (this.options.enabled) await this.processLocal();
  }

  /** What is in the database already: new sync groups, consent to send, unhandled messages. */
  processLocal(): Promise<{ processed: number }> {
    return this.ctx.lock.run("device-sync", async () => {
      await this.handleNewSyncGroups();
      await this.flushConsent();
      return { processed: await this.processMessages() };
    });
  }

  /**
   * Sync groups joined by welcome mean a new installation of our inbox: it is added to our groups
   * active in the last 90 days with consent allowed or unknown, and we make a new HMAC key for
   * the inbox (libxmtp `add_new_installation_to_groups`, `cycle_hmac`). Durable: a joined sync
   * group keeps installationsLastCheckedNs 0 until this is done.
   */
  private async handleNewSyncGroups(): Promise<void> {
    const fresh = (await this.syncGroups()).filter((g) => g.installationsLastCheckedNs === 0n);
    if (fresh.length === 0) return;
    const since = nowNs() - ACTIVE_WINDOW_NS;
    const groups = await this.ctx.db.groups.list({
      conversationTypes: [ConversationType.Group, ConversationType.Dm],
      membershipStates: [GroupMembershipState.Allowed],
      activeSinceNs: since,
    });
    const consent = await consentOfMany(this.ctx.db, groups, this.me);
    const due = groups.filter((_, i) => consent[i] !== "denied");
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const g = due[next++]!;
        try {
          await new Group(this.ctx, g).updateInstallations();
        } catch (e) {
          this.ctx.onSkipped(e, { groupId: g.id, cursor: 0n });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ADD_CONCURRENCY, due.length) }, worker));
    await this.cycleHmacKey();
    for (const g of fresh) {
      await this.ctx.db.groups.update(g.id, { installationsLastCheckedNs: nowNs() });
    }
  }

  /** A new HMAC root key for the inbox, kept and sent to the other installations. */
  private async cycleHmacKey(): Promise<void> {
    const key = newHmacRootKey();
    const at = nowNs();
    await this.ctx.db.preferences.setHmacKey(key, at);
    this.ctx.prefs.hmacKeyChanged(key, at);
    const group = await this.primary();
    await group?.sendSyncContent({
      case: "preferenceUpdates",
      value: { updates: [{ update: { case: "hmac", value: { key, cycledAtNs: at } } }] },
    } as { case: "preferenceUpdates"; value: PreferenceUpdates });
  }

  /** Consent changed here, sent to the primary sync group (none: nobody to tell). */
  private async flushConsent(): Promise<void> {
    if (this.#pendingConsent.length === 0) return;
    const records = this.#pendingConsent;
    this.#pendingConsent = [];
    const group = await this.primary();
    if (group === undefined) return;
    try {
      await group.sendSyncContent({
        case: "preferenceUpdates",
        value: {
          updates: records.map((r) => ({ update: { case: "consent", value: consentToSave(r) } })),
        },
      } as { case: "preferenceUpdates"; value: PreferenceUpdates });
    } catch (e) {
      this.#pendingConsent.unshift(...records);
      throw e;
    }
  }

  /** Handles the sync-group messages not handled yet, oldest first; returns how many. */
  private async processMessages(): Promise<number> {
    let handled = 0;
    for (const g of await this.syncGroups()) {
      const rows = await this.ctx.db.messages.list(g.id, {
        kinds: [MessageKind.Application],
        direction: "asc",
      });
      const todo = new Set(
        (await this.ctx.db.deviceSync.unprocessed(rows.map((r) => r.id))).map(toHex),
      );
      for (const row of rows) {
        if (!todo.has(toHex(row.id))) continue;
        if (!(await this.handle(g, row))) continue; // try again at the next sync
        await this.ctx.db.deviceSync.markProcessed(row.id, nowNs());
        handled++;
      }
    }
    return handled;
  }

  /** One sync-group message; false: not done (a transient failure), handle it again later. */
  private async handle(group: StoredGroup, row: StoredMessage): Promise<boolean> {
    const content = decodeSyncContent(row.decryptedMessageBytes);
    if (content === undefined || row.senderInboxId !== this.me) return true;
    const mine = bytesEqual(row.senderInstallationId, this.ctx.identity.installationKey.publicKey);
    switch (content.case) {
      case "request":
        if (!mine) await this.queueArchive(group, content.value);
        return true;
      case "reply":
        return mine ? true : this.processReply(content.value);
      case "preferenceUpdates":
        await this.applyPreferences(content.value);
        return true;
      default:
        return true; // acknowledgements: read when answering a request
    }
  }

  // ---- answering a request (the old installation) ----

  /** libxmtp queues a durable SendSyncArchive task per external request. */
  private async queueArchive(group: StoredGroup, request: DeviceSyncRequest): Promise<void> {
    if (request.options === undefined) return; // libxmtp: "task has no archive options"
    const payload = {
      options: request.options,
      syncGroupId: group.id,
      pin: request.requestId,
      serverUrl: this.options.historySyncUrl ?? "",
    } as SendSyncArchive;
    const now = nowNs();
    const task = newTask({ case: "sendSyncArchive", value: payload }, now, {
      nextAttemptAtNs: now,
      expiresAtNs: now + ARCHIVE_TASK_EXPIRY_NS,
      maxAttempts: ARCHIVE_TASK_ATTEMPTS,
    });
    if (this.ctx.workers?.running === true) {
      await this.ctx.db.tasks.create(task);
      this.ctx.workers.wake("tasks");
    } else {
      await this.sendArchive(payload); // no task worker: answered now
    }
  }

  /**
   * The SendSyncArchive task (libxmtp `send_archive`): acknowledge unless another installation
   * did, export, upload, check the acknowledgement again, reply.
   */
  async sendArchive(task: SendSyncArchive): Promise<void> {
    const historyUrl = this.options.historySyncUrl;
    if (historyUrl === undefined) return; // libxmtp: silently never answers
    const stored = await this.ctx.db.groups.get(task.syncGroupId);
    if (stored === undefined) return;
    const group = new SyncGroup(this.ctx, stored);
    const requestId = task.pin ?? "";
    await group.sync();
    let ack = await this.acknowledgedBy(group, requestId);
    if (ack === "other") return;
    if (ack === undefined) {
      await group.sendSyncContent({ case: "acknowledge", value: { requestId } } as never);
    }
    const key = randomBytes(32);
    const options = archiveOptionsOf(task.options);
    const archive = await exportArchiveBytes(this.ctx.db, options, key);
    const url = await uploadArchive(historyUrl, archive);
    await group.sync();
    ack = await this.acknowledgedBy(group, requestId);
    if (ack === "other") return;
    const metadata = create(BackupMetadataSaveSchema, {
      elements: task.options?.elements ?? [],
      exportedAtNs: nowNs(),
      ...(task.options?.startNs === undefined ? {} : { startNs: task.options.startNs }),
      ...(task.options?.endNs === undefined ? {} : { endNs: task.options.endNs }),
    });
    await group.sendSyncContent({
      case: "reply",
      value: {
        requestId,
        url,
        encryptionKey: { key: { case: "aes256Gcm", value: key } },
        timestampNs: 0n,
        kind: BackupElementSelection.UNSPECIFIED, // must be 0, or 1.9.1 drops it as legacy
        metadata,
      },
    } as { case: "reply"; value: DeviceSyncReply });
  }

  /** Who acknowledged a request in this group, newest first: us, another installation, nobody. */
  private async acknowledgedBy(
    group: SyncGroup,
    requestId: string,
  ): Promise<"self" | "other" | undefined> {
    const rows = await this.ctx.db.messages.list(group.groupId, {
      kinds: [MessageKind.Application],
      direction: "desc",
    });
    for (const row of rows) {
      const c = decodeSyncContent(row.decryptedMessageBytes);
      if (c?.case !== "acknowledge" || c.value.requestId !== requestId) continue;
      return bytesEqual(row.senderInstallationId, this.ctx.identity.installationKey.publicKey)
        ? "self"
        : "other";
    }
    return undefined;
  }

  // ---- receiving history (the new installation) ----

  /** The ids of the requests this installation sent. */
  private async ourRequestIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    const key = this.ctx.identity.installationKey.publicKey;
    for (const g of await this.syncGroups()) {
      for (const row of await this.ctx.db.messages.list(g.id, {
        kinds: [MessageKind.Application],
      })) {
        if (!bytesEqual(row.senderInstallationId, key)) continue;
        const c = decodeSyncContent(row.decryptedMessageBytes);
        if (c?.case === "request") ids.add(c.value.requestId);
      }
    }
    return ids;
  }

  /** A reply to one of our requests: welcomes first (its groups), then download and import. */
  private async processReply(reply: DeviceSyncReply): Promise<boolean> {
    if (reply.kind !== BackupElementSelection.UNSPECIFIED) return true; // legacy reply
    if (!(await this.ourRequestIds()).has(reply.requestId)) return true;
    const key = reply.encryptionKey?.key;
    if (key?.case !== "aes256Gcm") return true;
    await this.syncWelcomes();
    let archive: Uint8Array;
    try {
      archive = await downloadArchive(reply.url);
    } catch (e) {
      this.ctx.onSkipped(e, { cursor: 0n });
      return !(e instanceof ClientError && e.retryable);
    }
    try {
      await importArchive(this.ctx.db, this.me, archive, key.value);
    } catch (e) {
      this.ctx.onSkipped(
        new ClientError(
          "CLIENT_HISTORY_SERVER",
          `the history archive did not import: ${errorText(e)}`,
          {
            cause: e,
          },
        ),
        { cursor: 0n },
      );
    }
    return true;
  }

  /** Consent (strictly newer wins) and HMAC keys (not older wins), as libxmtp stores them. */
  private async applyPreferences(updates: PreferenceUpdates): Promise<void> {
    const consent: ConsentRecord[] = [];
    for (const u of updates.updates) {
      if (u.update.case === "consent") {
        const r = consentFromSave(u.update.value as ConsentSave);
        if (r !== undefined) consent.push(r);
      } else if (u.update.case === "hmac") {
        const { key, cycledAtNs } = u.update.value;
        if (key.length !== HMAC_KEY_BYTES) continue;
        const prefs = await this.ctx.db.preferences.get();
        if (prefs.hmacKeyCycledAtNs !== null && cycledAtNs < prefs.hmacKeyCycledAtNs) continue;
        if (prefs.hmacKey !== null && bytesEqual(prefs.hmacKey, key)) continue;
        await this.ctx.db.preferences.setHmacKey(key, cycledAtNs);
        this.ctx.prefs.hmacKeyChanged(key, cycledAtNs);
      }
    }
    if (consent.length > 0) {
      this.ctx.prefs.consentChanged(await this.ctx.db.consent.insertNewer(consent), true);
    }
  }
}

function archiveOptionsOf(o: SendSyncArchive["options"]): ArchiveOptions {
  const elements: ("messages" | "consent")[] = [];
  for (const e of o?.elements ?? []) {
    if (e === BackupElementSelection.MESSAGES) elements.push("messages");
    if (e === BackupElementSelection.CONSENT) elements.push("consent");
  }
  return {
    elements,
    ...(o?.startNs === undefined ? {} : { startNs: o.startNs }),
    ...(o?.endNs === undefined ? {} : { endNs: o.endNs }),
    excludeDisappearingMessages: o?.excludeDisappearingMessages ?? false,
  };
}
