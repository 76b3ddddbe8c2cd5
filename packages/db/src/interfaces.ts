// The storage interfaces @x/mls uses, one per concern. Implementations over kysely live in
// ./stores; another backend can implement these directly.
import type {
  ConsentEntityType,
  ConsentRecord,
  ConsentState,
  ContentType,
  ConversationType,
  Cursor,
  CursorKind,
  DeliveryStatus,
  GroupMembershipState,
  GroupUpdate,
  IdentifierKind,
  IdentityUpdateRecord,
  IntentState,
  KeyPackageHistoryEntry,
  LocalCommitLogEntry,
  MessageDeletion,
  MessageKind,
  MlsGroupState,
  MlsKeyPackageSecrets,
  NewIntent,
  NewTask,
  PendingRemove,
  RemoteCommitLogEntry,
  StoredGroup,
  StoredIdentity,
  StoredIntent,
  StoredMessage,
  StoredTask,
  UserPreferences,
} from "./types.js";

/** The installation's own identity (one row). */
export interface IdentityStore {
  get(): Promise<StoredIdentity | undefined>;
  /** Stores the identity; DbConflictError if one is stored already. */
  create(identity: StoredIdentity): Promise<void>;
  /** Marks the identity registered at the cursor where its identity update landed. */
  setRegistered(cursor: Cursor): Promise<void>;
  setNextKeyPackageRotationNs(ns: bigint | null): Promise<void>;
}

export interface GroupListOptions {
  conversationTypes?: readonly ConversationType[];
  membershipStates?: readonly GroupMembershipState[];
  /** Only groups whose last message (or creation, if none) is at or after this time. */
  activeSinceNs?: bigint;
  limit?: number;
}

/** A page of groups in id order (bytewise), for walking all of them (archive export). */
export interface GroupPageOptions {
  /** Only groups whose id sorts after this one: the last id of the previous page. */
  afterId?: Uint8Array;
  limit: number;
  /** Only groups created after this time (exclusive). */
  createdAfterNs?: bigint;
  /** Only groups created before this time (exclusive). */
  createdBeforeNs?: bigint;
  excludeConversationTypes?: readonly ConversationType[];
}

export interface GroupStore {
  /** DbConflictError if a group with this id is stored already. */
  insert(group: StoredGroup): Promise<void>;
  /** Inserts unless a group with this id exists; returns whether it inserted. */
  insertOrIgnore(group: StoredGroup): Promise<boolean>;
  get(id: Uint8Array): Promise<StoredGroup | undefined>;
  /** DbNotFoundError if the group does not exist. */
  update(id: Uint8Array, patch: GroupUpdate): Promise<void>;
  /** Groups ordered by last message, newest first (groups without messages last, newest first). */
  list(options?: GroupListOptions): Promise<StoredGroup[]>;
  /** Every MLS group stitched into the DM `dmId`, the active one (latest message) first. */
  findDms(dmId: string): Promise<StoredGroup[]>;
  delete(id: Uint8Array): Promise<void>;
  /** Groups in id order (bytewise), one page at a time. */
  listPage(options: GroupPageOptions): Promise<StoredGroup[]>;
}

export interface MessageListOptions {
  /** Newest first ("desc") or oldest first ("asc", default). */
  direction?: "asc" | "desc";
  limit?: number;
  sentAfterNs?: bigint;
  sentBeforeNs?: bigint;
  kinds?: readonly MessageKind[];
  contentTypes?: readonly ContentType[];
  deliveryStatus?: DeliveryStatus;
  /** Leaves out messages that expired at or before this time (disappearing messages). */
  unexpiredAt?: bigint;
}

/** A page of messages of every group in id order (bytewise), for archive export. */
export interface MessageArchivePageOptions {
  /** Only messages whose id sorts after this one: the last id of the previous page. */
  afterId?: Uint8Array;
  limit: number;
  sentAfterNs?: bigint;
  sentBeforeNs?: bigint;
  kinds?: readonly MessageKind[];
  /** Leaves out messages that expired at or before this time. */
  unexpiredAt?: bigint;
  /** Leaves out every message with an expiry (disappearing messages), expired or not. */
  excludeExpiring?: boolean;
  /** Leaves out messages of groups of these conversation types. */
  excludeGroupTypes?: readonly ConversationType[];
}

export interface MessageStore {
  /**
   * Stores a message; DbConflictError if its id exists. An application message also moves the
   * group's lastMessageNs forward.
   */
  insert(message: StoredMessage): Promise<void>;
  /** Inserts unless the id exists (messages read twice); returns whether it inserted. */
  insertOrIgnore(message: StoredMessage): Promise<boolean>;
  get(id: Uint8Array): Promise<StoredMessage | undefined>;
  list(groupId: Uint8Array, options?: MessageListOptions): Promise<StoredMessage[]>;
  /** The `limit` newest messages of a group, newest first. */
  latest(groupId: Uint8Array, limit: number): Promise<StoredMessage[]>;
  /** Messages that refer to any of `ids` (reactions, replies, receipts). */
  findByReference(ids: readonly Uint8Array[]): Promise<StoredMessage[]>;
  count(groupId: Uint8Array): Promise<number>;
  /**
   * Published: records where it landed (and when it expires, for disappearing messages).
   * DbNotFoundError if the message does not exist.
   */
  setPublished(
    id: Uint8Array,
    cursor: Cursor,
    sentAtNs?: bigint,
    expireAtNs?: bigint,
  ): Promise<void>;
  setDeliveryStatus(id: Uint8Array, status: DeliveryStatus): Promise<void>;
  delete(id: Uint8Array): Promise<boolean>;
  /** Deletes messages whose expireAtNs is at or before `nowNs`; returns how many. */
  deleteExpired(nowNs: bigint): Promise<number>;
  /** Messages of all groups in id order (bytewise), one page at a time. */
  listForArchive(options: MessageArchivePageOptions): Promise<StoredMessage[]>;
}

export interface IntentPublishData {
  payloadHash: Uint8Array;
  postCommitData: Uint8Array | null;
  stagedCommit: Uint8Array | null;
  publishedInEpoch: bigint;
}

export interface IntentStore {
  insert(intent: NewIntent): Promise<StoredIntent>;
  get(id: number): Promise<StoredIntent | undefined>;
  /** A group's intents in the given states, oldest first. */
  find(groupId: Uint8Array, states: readonly IntentState[]): Promise<StoredIntent[]>;
  /** The ids of the groups that have intents in the given states (one query for all groups). */
  groupsWithIntents(states: readonly IntentState[]): Promise<Uint8Array[]>;
  findByPayloadHash(payloadHash: Uint8Array): Promise<StoredIntent | undefined>;
  /** ToPublish -> Published, with what was published. */
  setPublished(id: number, data: IntentPublishData): Promise<void>;
  /** Back to ToPublish (another commit won the epoch): clears the publish data. */
  setToPublish(id: number): Promise<void>;
  /** Committed, at the cursor where our payload came back. */
  setCommitted(id: number, cursor: Cursor): Promise<void>;
  setState(id: number, state: IntentState): Promise<void>;
  incrementPublishAttempts(id: number): Promise<number>;
  delete(id: number): Promise<void>;
}

/** Sync cursors: (entity id, kind, originator) -> last processed sequence id. */
export interface CursorStore {
  /** 0n when nothing was processed yet. */
  get(entityId: Uint8Array, kind: CursorKind, originatorId: number): Promise<bigint>;
  /** `get` for many entities in one query: one cursor per entity id, in their order. */
  getMany(
    entityIds: readonly Uint8Array[],
    kind: CursorKind,
    originatorId: number,
  ): Promise<bigint[]>;
  /** Every originator's cursor for the entity and kind. */
  getAll(entityId: Uint8Array, kind: CursorKind): Promise<Map<number, bigint>>;
  /** `getAll` for many entities in one query: one map per entity id, in their order. */
  getAllMany(entityIds: readonly Uint8Array[], kind: CursorKind): Promise<Map<number, bigint>[]>;
  /** Sets the cursor (forwards or backwards). */
  set(
    entityId: Uint8Array,
    kind: CursorKind,
    originatorId: number,
    sequenceId: bigint,
  ): Promise<void>;
  /** Moves the cursor forward only; returns whether it moved. */
  advance(
    entityId: Uint8Array,
    kind: CursorKind,
    originatorId: number,
    sequenceId: bigint,
  ): Promise<boolean>;
}

/** Cached identity updates (the inbox logs) fetched from the network. */
export interface IdentityUpdateStore {
  /** Stores updates, ignoring ones stored already; returns how many were new. */
  insert(updates: readonly IdentityUpdateRecord[]): Promise<number>;
  /** An inbox's updates in sequence order, after `afterSequenceId`, up to `upToSequenceId`. */
  list(
    inboxId: string,
    range?: { afterSequenceId?: bigint; upToSequenceId?: bigint },
  ): Promise<IdentityUpdateRecord[]>;
  /** The highest stored sequence id per inbox (inboxes with none are absent). */
  latestSequenceIds(inboxIds: readonly string[]): Promise<Map<string, bigint>>;
}

/** Computed association states (AssociationState proto bytes) per (inbox, sequence id). */
export interface AssociationStateCache {
  get(inboxId: string, sequenceId: bigint): Promise<Uint8Array | undefined>;
  put(inboxId: string, sequenceId: bigint, state: Uint8Array): Promise<void>;
}

/** identifier -> inbox id lookups the client has already made. */
export interface InboxIdCache {
  get(identifier: string, kind: IdentifierKind): Promise<string | undefined>;
  put(identifier: string, kind: IdentifierKind, inboxId: string): Promise<void>;
}

export interface KeyPackageHistoryStore {
  /** Records a newly generated key package; DbConflictError if its hash ref is recorded. */
  insert(entry: Omit<KeyPackageHistoryEntry, "id" | "deleteAtNs">): Promise<KeyPackageHistoryEntry>;
  findByHashRef(hashRef: Uint8Array): Promise<KeyPackageHistoryEntry | undefined>;
  latest(): Promise<KeyPackageHistoryEntry | undefined>;
  /** Schedules deletion of every key package older than `beforeId` that is not scheduled yet. */
  markForDeletion(beforeId: number, deleteAtNs: bigint): Promise<number>;
  /** Entries whose deletion time has come. */
  listDueForDeletion(nowNs: bigint): Promise<KeyPackageHistoryEntry[]>;
  /** The earliest deletion time scheduled, if any. */
  nextDeletionAtNs(): Promise<bigint | undefined>;
  delete(ids: readonly number[]): Promise<void>;
}

export interface ConsentStore {
  /**
   * Stores records, replacing older ones for the same entity. A record older than the stored
   * one (by consentedAtNs) is ignored. Returns the records that changed something.
   */
  set(records: readonly ConsentRecord[]): Promise<ConsentRecord[]>;
  get(entityType: ConsentEntityType, entity: string): Promise<ConsentRecord | undefined>;
  list(filter?: {
    entityType?: ConsentEntityType;
    states?: readonly ConsentState[];
  }): Promise<ConsentRecord[]>;
  /**
   * Inserts records for entities that have none and replaces a stored record only when the new
   * one is strictly newer (by consentedAtNs); an equal time keeps the stored one (libxmtp's
   * insert_newer_consent_record). Returns the records that were written.
   */
  insertNewer(records: readonly ConsentRecord[]): Promise<ConsentRecord[]>;
  /** Records ordered by (entityType, entity), after `after` (exclusive), one page at a time. */
  listPage(options: {
    after?: { entityType: ConsentEntityType; entity: string };
    limit: number;
  }): Promise<ConsentRecord[]>;
}

export interface PreferencesStore {
  get(): Promise<UserPreferences>;
  setHmacKey(key: Uint8Array, cycledAtNs: bigint): Promise<void>;
  setDmGroupUpdatesMigrated(done: boolean): Promise<void>;
}

export interface CommitLogStore {
  appendLocal(entry: Omit<LocalCommitLogEntry, "rowid">): Promise<number>;
  /** A group's local entries in order, after `afterRowid` (exclusive). */
  listLocal(
    groupId: Uint8Array,
    options?: { afterRowid?: number; limit?: number },
  ): Promise<LocalCommitLogEntry[]>;
  latestLocal(groupId: Uint8Array): Promise<LocalCommitLogEntry | undefined>;
  /** Stores downloaded entries, ignoring ones stored already; returns how many were new. */
  appendRemote(entries: readonly Omit<RemoteCommitLogEntry, "rowid">[]): Promise<number>;
  listRemote(
    groupId: Uint8Array,
    options?: { afterLogSequenceId?: bigint; limit?: number },
  ): Promise<RemoteCommitLogEntry[]>;
}

export interface TaskStore {
  /** Queues a task; if one with the same dataHash is queued, returns that one unchanged. */
  create(task: NewTask): Promise<StoredTask>;
  get(id: number): Promise<StoredTask | undefined>;
  /** Tasks whose next attempt is due, soonest first. */
  listDue(nowNs: bigint, limit?: number): Promise<StoredTask[]>;
  /** Records a failed attempt and when to try next. */
  recordAttempt(id: number, attemptedAtNs: bigint, nextAttemptAtNs: bigint): Promise<void>;
  /**
   * A recurring task ran and wants to run again at `nextAttemptAtNs`: its attempts go back to 0.
   * DbNotFoundError if it is gone.
   */
  reschedule(id: number, attemptedAtNs: bigint, nextAttemptAtNs: bigint): Promise<void>;
  /**
   * Brings the task with this data hash forward to `notLaterThanNs` (never later than it was).
   * Returns whether such a task exists.
   */
  pullIn(dataHash: Uint8Array, notLaterThanNs: bigint): Promise<boolean>;
  /** The unexpired task due first (soonest next attempt), if any. */
  next(nowNs: bigint): Promise<StoredTask | undefined>;
  delete(id: number): Promise<void>;
  /** Deletes tasks that expired at or before `nowNs`; returns how many. */
  deleteExpired(nowNs: bigint): Promise<number>;
}

/**
 * ts-mls group state and key-package private material. Bytes are stored behind our own
 * version byte (MLS_STATE_FORMAT_VERSION); reading a version this build does not know gives
 * MlsStateVersionError instead of handing ts-mls bytes it cannot parse.
 */
export interface MlsStateStore {
  putGroupState(groupId: Uint8Array, epoch: bigint, state: Uint8Array): Promise<void>;
  getGroupState(groupId: Uint8Array): Promise<MlsGroupState | undefined>;
  deleteGroupState(groupId: Uint8Array): Promise<void>;
  putKeyPackage(secrets: MlsKeyPackageSecrets): Promise<void>;
  getKeyPackage(hashRef: Uint8Array): Promise<MlsKeyPackageSecrets | undefined>;
  /** Finds the key package whose init key or post-quantum wrapper key is `publicKey`. */
  findKeyPackageByPublicKey(publicKey: Uint8Array): Promise<MlsKeyPackageSecrets | undefined>;
  deleteKeyPackage(hashRef: Uint8Array): Promise<void>;
}

/** Every store, bound to one connection or one transaction. */
export interface PendingRemoveStore {
  /** Records a leave request; a second one of the same inbox in the group is ignored. */
  add(entry: PendingRemove): Promise<boolean>;
  /** The inboxes waiting to be removed from a group. */
  list(groupId: Uint8Array): Promise<string[]>;
  has(groupId: Uint8Array, inboxId: string): Promise<boolean>;
  /** Forgets these inboxes' requests (removed, or gone); returns how many. */
  delete(groupId: Uint8Array, inboxIds: readonly string[]): Promise<number>;
}

export interface MessageDeletionStore {
  /** Records a deletion; one with the same id is ignored. Returns whether it inserted. */
  insert(deletion: MessageDeletion): Promise<boolean>;
  /** The deletions of any of these messages (by target id). */
  findByTargets(messageIds: readonly Uint8Array[]): Promise<MessageDeletion[]>;
}

/** Sync-group messages already handled (each is handled once, also across restarts). */
export interface DeviceSyncStore {
  /** Records a message as handled; false if it was already. */
  markProcessed(messageId: Uint8Array, atNs: bigint): Promise<boolean>;
  /** The ids among `messageIds` not handled yet, in the order given. */
  unprocessed(messageIds: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

export interface Stores {
  readonly identity: IdentityStore;
  readonly groups: GroupStore;
  readonly messages: MessageStore;
  readonly intents: IntentStore;
  readonly cursors: CursorStore;
  readonly identityUpdates: IdentityUpdateStore;
  readonly associationStates: AssociationStateCache;
  readonly inboxIds: InboxIdCache;
  readonly keyPackageHistory: KeyPackageHistoryStore;
  readonly consent: ConsentStore;
  readonly preferences: PreferencesStore;
  readonly commitLog: CommitLogStore;
  readonly tasks: TaskStore;
  readonly pendingRemoves: PendingRemoveStore;
  readonly messageDeletions: MessageDeletionStore;
  readonly deviceSync: DeviceSyncStore;
  readonly mls: MlsStateStore;
}

/** The stores inside a transaction; `transaction()` here joins the open transaction. */
export interface TransactionScope extends Stores {
  transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T>;
}

/** The client's database: the stores, and a way to run several of them in one transaction. */
export interface ClientDatabase extends TransactionScope {
  /**
   * Runs `fn` in one transaction: everything it writes through `tx` is committed together when
   * it resolves, and nothing is when it throws.
   */
  transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Closes the connection(s) but keeps the database reopenable: until `reconnect()`, every call
   * fails with DbReleasedError. Waits for open transactions to finish first. Optional: a
   * database that cannot be reopened (e.g. SQLite ":memory:") does not offer it.
   */
  releaseConnection?(): Promise<void>;
  /** Whether releaseConnection() can be used here. */
  readonly releasable?: boolean;
  /** Reopens a released database (no-op when it is not released). */
  reconnect?(): Promise<void>;
}
