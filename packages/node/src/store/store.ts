// The node's storage: typed queries over the schema, with xmtp-node-go's paging rules.
import { createHash } from "node:crypto";
import { toHex } from "@x/crypto";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Transaction } from "kysely";
import { yieldToOthers } from "../services/limits.js";
import { D14nStore } from "./d14n.js";
import { big, inboxIdsFor, inChunks } from "./queries.js";
import {
  encodeNotice,
  followRows,
  IDS_PER_NOTICE,
  newInstanceId,
  ROW_CHANNEL,
  type RowFeed,
  type RowKind,
  type RowNotice,
} from "./row-feed.js";
import { type Database, type Dialect, migrationProvider } from "./schema.js";

/** node-go's `maxPageSize`: larger or zero limits become 100. */
export const MAX_PAGE_SIZE = 100;

export interface Paging {
  /** node-go's default is descending (when the client leaves the direction unspecified). */
  direction: "asc" | "desc";
  limit?: number;
  /** Exclusive; 0 means no bound. */
  cursor?: bigint;
}

export interface StoredGroupMessage {
  id: bigint;
  createdNs: bigint;
  groupId: Uint8Array;
  data: Uint8Array;
  senderHmac: Uint8Array;
  shouldPush: boolean;
  isCommit: boolean;
}

export type NewGroupMessage = Omit<StoredGroupMessage, "id" | "createdNs">;

export type WelcomeKind = "v1" | "pointer";

export interface StoredWelcome {
  id: bigint;
  createdNs: bigint;
  kind: WelcomeKind;
  installationKey: Uint8Array;
  /** V1: the wrapped welcome; pointer: the wrapped WelcomePointer. */
  data: Uint8Array;
  hpkePublicKey: Uint8Array;
  wrapperAlgorithm: number;
  welcomeMetadata: Uint8Array;
}

export type NewWelcome = Omit<StoredWelcome, "id" | "createdNs">;

export interface InboxLogEntry {
  sequenceId: bigint;
  inboxId: string;
  serverTimestampNs: bigint;
  update: Uint8Array;
}

export interface CommitLogRow {
  id: bigint;
  groupId: Uint8Array;
  entry: Uint8Array;
  signature: Uint8Array;
}

export interface Page<T> {
  rows: T[];
  limit: number;
  direction: "asc" | "desc";
  /** The id of the last row when the page is full, else 0 ("no more pages"). */
  nextCursor: bigint;
}

export interface StoreOptions {
  /**
   * Where the data lives: a SQLite file path, ":memory:", or a `postgres://` / `postgresql://`
   * connection string.
   */
  db: string;
}

const bytes = (v: Uint8Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/**
 * A welcome is identified by all of its bytes (each part length-prefixed): a copy with other
 * metadata, key or algorithm is another welcome, so it cannot make the genuine one a duplicate.
 * (node-go hashes the installation key and data only.)
 */
function welcomeHash(w: NewWelcome): Uint8Array {
  const u32 = (n: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0);
    return b;
  };
  const parts = [w.installationKey, w.data, w.hpkePublicKey, w.welcomeMetadata];
  return sha256(
    new Uint8Array([w.kind === "pointer" ? 1 : 0]),
    u32(w.wrapperAlgorithm),
    ...parts.flatMap((p) => [u32(p.length), p]),
  );
}

function pageLimit(limit: number | undefined): number {
  return limit !== undefined && limit > 0 && limit <= MAX_PAGE_SIZE ? limit : MAX_PAGE_SIZE;
}

function toPage<T extends { id: bigint }>(rows: T[], limit: number, direction: "asc" | "desc") {
  const last = rows.at(-1);
  return {
    rows,
    limit,
    direction,
    nextCursor: rows.length === limit && last ? last.id : 0n,
  } satisfies Page<T>;
}

/** A 64-bit advisory-lock key for a topic: the first 8 bytes of sha256(kind ‖ topic), signed. */
function topicLockKey(kind: string, topic: Uint8Array): bigint {
  const digest = createHash("sha256").update(kind).update(topic).digest();
  return digest.readBigInt64BE(0);
}

export class NodeStore {
  /** The d14n network's tables (envelopes, counters, keys, address index). */
  readonly d14n: D14nStore;

  /** This instance, in the row notices it sends to other nodes on the same Postgres database. */
  readonly instanceId = newInstanceId();

  private constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    /** The Postgres URL (other nodes' row notices are read on a connection of their own). */
    private readonly url?: string,
  ) {
    this.d14n = new D14nStore(db, dialect);
  }

  /**
   * On Postgres: calls `onNotice` with the rows every node on this database (this one too)
   * stores, one notice at a time in commit order. Undefined on SQLite (one node per file).
   */
  followRows(
    onNotice: (n: RowNotice) => Promise<void>,
    onError: (e: unknown) => void,
  ): Promise<RowFeed> | undefined {
    if (this.dialect !== "postgres" || this.url === undefined) return undefined;
    return followRows(this.url, onNotice, onError);
  }

  /** Tells every node (inside the inserting transaction: delivered at its commit). */
  private async notifyRows(
    trx: Transaction<Database>,
    kind: RowKind,
    ids: bigint[],
  ): Promise<void> {
    if (this.dialect !== "postgres") return;
    for (let i = 0; i < ids.length; i += IDS_PER_NOTICE) {
      const payload = encodeNotice({
        from: this.instanceId,
        kind,
        ids: ids.slice(i, i + IDS_PER_NOTICE),
      });
      await sql`select pg_notify(${ROW_CHANNEL}, ${payload})`.execute(trx);
    }
  }

  async groupMessagesByIds(ids: readonly bigint[]): Promise<StoredGroupMessage[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("group_messages")
      .selectAll()
      .where("id", "in", [...ids])
      .orderBy("id", "asc")
      .execute();
    return rows.map(groupMessageRow);
  }

  async welcomesByIds(ids: readonly bigint[]): Promise<StoredWelcome[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("welcome_messages")
      .selectAll()
      .where("id", "in", [...ids])
      .orderBy("id", "asc")
      .execute();
    return rows.map(welcomeRow);
  }

  /** Opens (and migrates) the store named by `options.db`. */
  static async open(options: StoreOptions): Promise<NodeStore> {
    const isPostgres = /^postgres(ql)?:\/\//.test(options.db);
    let db: Kysely<Database>;
    if (isPostgres) {
      const pg = await import("pg");
      const Pool = pg.default.Pool;
      db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new Pool({ connectionString: options.db, max: 10 }) }),
      });
    } else {
      const { default: SQLite } = await import("better-sqlite3-multiple-ciphers");
      const sqlite = new SQLite(options.db);
      sqlite.defaultSafeIntegers(true);
      if (options.db !== ":memory:" && options.db !== "") sqlite.pragma("journal_mode = WAL");
      sqlite.pragma("busy_timeout = 5000");
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    }
    const store = isPostgres
      ? new NodeStore(db, "postgres", options.db)
      : new NodeStore(db, "sqlite");
    try {
      await store.migrate();
    } catch (e) {
      await db.destroy();
      throw e;
    }
    return store;
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: migrationProvider(this.dialect),
      migrationTableName: "node_migrations",
      migrationLockTableName: "node_migrations_lock",
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /**
   * On Postgres, writers to one topic (a group, an installation's welcomes, an inbox's log) take
   * turns until they commit. Ids come from one sequence, and without this a transaction can
   * commit after one that drew a later id: a reader paging by id cursor would already be past
   * it, and never read it. (SQLite has one writer at a time anyway.) Locks are taken in one
   * order, so two batches cannot deadlock.
   */
  private async lockTopics(
    trx: Transaction<Database>,
    kind: string,
    topics: readonly Uint8Array[],
  ): Promise<void> {
    if (this.dialect !== "postgres") return;
    const keys = [...new Set(topics.map((t) => topicLockKey(kind, t)))].sort((a, b) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    for (const key of keys) await sql`select pg_advisory_xact_lock(${key})`.execute(trx);
  }

  // --- group messages ---

  /**
   * Stores messages in order and returns the ones that were new. A message identical to a stored
   * one (same group id and data) is skipped, as on the real node.
   */
  async insertGroupMessages(
    messages: NewGroupMessage[],
    createdNs: bigint,
  ): Promise<StoredGroupMessage[]> {
    const stored: StoredGroupMessage[] = [];
    await this.db.transaction().execute(async (trx) => {
      await this.lockTopics(
        trx,
        "group",
        messages.map((m) => m.groupId),
      );
      for (const m of messages) {
        const row = await trx
          .insertInto("group_messages")
          .values({
            created_ns: createdNs,
            group_id: m.groupId,
            data: m.data,
            dedupe_hash: sha256(m.groupId, m.data),
            sender_hmac: m.senderHmac,
            should_push: m.shouldPush ? 1 : 0,
            is_commit: m.isCommit ? 1 : 0,
          })
          .onConflict((oc) => oc.column("dedupe_hash").doNothing())
          .returning("id")
          .executeTakeFirst();
        if (row) stored.push({ ...m, id: big(row.id), createdNs });
      }
      await this.notifyRows(
        trx,
        "g",
        stored.map((m) => m.id),
      );
    });
    return stored;
  }

  async queryGroupMessages(groupId: Uint8Array, paging: Paging): Promise<Page<StoredGroupMessage>> {
    const limit = pageLimit(paging.limit);
    const cursor = paging.cursor ?? 0n;
    let q = this.db.selectFrom("group_messages").selectAll().where("group_id", "=", groupId);
    if (cursor > 0n) q = q.where("id", paging.direction === "asc" ? ">" : "<", cursor);
    const rows = await q.orderBy("id", paging.direction).limit(limit).execute();
    return toPage(rows.map(groupMessageRow), limit, paging.direction);
  }

  /** The newest message of each group (undefined where a group has none), in request order. */
  async newestGroupMessages(groupIds: Uint8Array[]): Promise<(StoredGroupMessage | undefined)[]> {
    // One query per chunk of groups (a syncAll asks for every group at once): the rows whose id is
    // their group's highest, found through the (group_id, id) index.
    const newest = new Map<string, StoredGroupMessage>();
    for (let i = 0; i < groupIds.length; i += NEWEST_CHUNK) {
      const chunk = groupIds.slice(i, i + NEWEST_CHUNK);
      const rows = await this.db
        .selectFrom("group_messages")
        .selectAll()
        .where("id", "in", (eb) =>
          eb
            .selectFrom("group_messages")
            .select((m) => m.fn.max("id").as("id"))
            .where("group_id", "in", chunk)
            .groupBy("group_id"),
        )
        .execute();
      for (const row of rows) {
        const m = groupMessageRow(row);
        newest.set(toHex(m.groupId), m);
      }
    }
    return groupIds.map((g) => newest.get(toHex(g)));
  }

  // --- welcomes ---

  /** Stores welcomes (V1 or pointers) in order and returns the new ones (duplicates skipped). */
  async insertWelcomes(welcomes: NewWelcome[], createdNs: bigint): Promise<StoredWelcome[]> {
    const stored: StoredWelcome[] = [];
    await this.db.transaction().execute(async (trx) => {
      await this.lockTopics(
        trx,
        "welcome",
        welcomes.map((w) => w.installationKey),
      );
      for (const w of welcomes) {
        const row = await trx
          .insertInto("welcome_messages")
          .values({
            created_ns: createdNs,
            installation_key: w.installationKey,
            data: w.data,
            dedupe_hash: welcomeHash(w),
            hpke_public_key: w.hpkePublicKey,
            wrapper_algorithm: w.wrapperAlgorithm,
            welcome_metadata: w.welcomeMetadata,
            message_type: w.kind === "pointer" ? 1 : 0,
          })
          .onConflict((oc) => oc.column("dedupe_hash").doNothing())
          .returning("id")
          .executeTakeFirst();
        if (row) stored.push({ ...w, id: big(row.id), createdNs });
      }
      await this.notifyRows(
        trx,
        "w",
        stored.map((w) => w.id),
      );
    });
    return stored;
  }

  async queryWelcomes(installationKey: Uint8Array, paging: Paging): Promise<Page<StoredWelcome>> {
    const limit = pageLimit(paging.limit);
    const cursor = paging.cursor ?? 0n;
    let q = this.db
      .selectFrom("welcome_messages")
      .selectAll()
      .where("installation_key", "=", installationKey);
    if (cursor > 0n) q = q.where("id", paging.direction === "asc" ? ">" : "<", cursor);
    const rows = await q.orderBy("id", paging.direction).limit(limit).execute();
    return toPage(rows.map(welcomeRow), limit, paging.direction);
  }

  // --- key packages ---

  /** Keeps the latest key package per installation and appends it to the history. */
  async upsertKeyPackage(
    installationKey: Uint8Array,
    inboxId: string,
    keyPackage: Uint8Array,
    nowNs: bigint,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("installations")
        .values({
          id: installationKey,
          inbox_id: inboxId,
          key_package: keyPackage,
          created_ns: nowNs,
          updated_ns: nowNs,
        })
        .onConflict((oc) =>
          oc
            .column("id")
            .doUpdateSet({ key_package: keyPackage, inbox_id: inboxId, updated_ns: nowNs }),
        )
        .execute();
      await trx
        .insertInto("key_packages")
        .values({ installation_id: installationKey, key_package: keyPackage, created_ns: nowNs })
        .execute();
    });
  }

  /** The latest key package of each installation, in request order (undefined when unknown). */
  async fetchKeyPackages(installationKeys: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (installationKeys.length === 0) return [];
    const byKey = new Map<string, Uint8Array>();
    for (const part of inChunks(installationKeys)) {
      const rows = await this.db
        .selectFrom("installations")
        .select(["id", "key_package"])
        .where("id", "in", part)
        .execute();
      for (const r of rows) byKey.set(Buffer.from(r.id).toString("hex"), bytes(r.key_package));
      await yieldToOthers();
    }
    return installationKeys.map((k) => byKey.get(Buffer.from(k).toString("hex")));
  }

  // --- identity ---

  /**
   * The updates of many inboxes at once (each after its own sequence id, ascending), in the
   * order asked: one query per chunk of inboxes, not one per inbox.
   */
  async inboxLogs(
    filters: readonly { inboxId: string; afterSequenceId: bigint }[],
  ): Promise<InboxLogEntry[][]> {
    const byInbox = new Map<string, InboxLogEntry[]>();
    const ids = [...new Set(filters.map((f) => f.inboxId))];
    for (const part of inChunks(ids)) {
      const rows = await this.db
        .selectFrom("inbox_log")
        .selectAll()
        .where("inbox_id", "in", part)
        .orderBy("sequence_id", "asc")
        .execute();
      for (const r of rows) {
        const list = byInbox.get(r.inbox_id) ?? [];
        list.push({
          sequenceId: big(r.sequence_id),
          inboxId: r.inbox_id,
          serverTimestampNs: big(r.server_timestamp_ns),
          update: bytes(r.identity_update_proto),
        });
        byInbox.set(r.inbox_id, list);
      }
      await yieldToOthers();
    }
    return filters.map((f) =>
      (byInbox.get(f.inboxId) ?? []).filter((e) => e.sequenceId > f.afterSequenceId),
    );
  }

  /** Every update of an inbox with a sequence id after `afterSequenceId`, ascending. */
  async inboxLog(inboxId: string, afterSequenceId = 0n): Promise<InboxLogEntry[]> {
    const rows = await this.db
      .selectFrom("inbox_log")
      .selectAll()
      .where("inbox_id", "=", inboxId)
      .where("sequence_id", ">", afterSequenceId)
      .orderBy("sequence_id", "asc")
      .execute();
    return rows.map((r) => ({
      sequenceId: big(r.sequence_id),
      inboxId: r.inbox_id,
      serverTimestampNs: big(r.server_timestamp_ns),
      update: bytes(r.identity_update_proto),
    }));
  }

  async inboxLogCount(inboxId: string): Promise<number> {
    const row = await this.db
      .selectFrom("inbox_log")
      .select((eb) => eb.fn.countAll<number | bigint | string>().as("n"))
      .where("inbox_id", "=", inboxId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Appends one verified identity update and records the addresses it associated or revoked,
   * in one transaction. Returns the new log entry.
   */
  async appendIdentityUpdate(
    inboxId: string,
    update: Uint8Array,
    diff: { addedAddresses: string[]; removedAddresses: string[] },
    nowNs: bigint,
  ): Promise<InboxLogEntry> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockTopics(trx, "inbox", [new TextEncoder().encode(inboxId)]);
      const row = await trx
        .insertInto("inbox_log")
        .values({ inbox_id: inboxId, server_timestamp_ns: nowNs, identity_update_proto: update })
        .returning("sequence_id")
        .executeTakeFirstOrThrow();
      const seq = big(row.sequence_id);
      for (const address of diff.addedAddresses) {
        await trx
          .insertInto("address_log")
          .values({
            address,
            inbox_id: inboxId,
            association_sequence_id: seq,
            revocation_sequence_id: null,
          })
          .execute();
      }
      for (const address of diff.removedAddresses) {
        // Revokes the latest association of this address with this inbox.
        const latest = await trx
          .selectFrom("address_log")
          .select("association_sequence_id")
          .where("address", "=", address)
          .where("inbox_id", "=", inboxId)
          .where("revocation_sequence_id", "is", null)
          .orderBy("association_sequence_id", "desc")
          .limit(1)
          .executeTakeFirst();
        if (!latest) continue;
        await trx
          .updateTable("address_log")
          .set({ revocation_sequence_id: seq })
          .where("address", "=", address)
          .where("inbox_id", "=", inboxId)
          .where("association_sequence_id", "=", latest.association_sequence_id)
          .execute();
      }
      return { sequenceId: seq, inboxId, serverTimestampNs: nowNs, update };
    });
  }

  /** For each address, the inbox of its latest association that is not revoked. */
  inboxIdsFor(addresses: string[]): Promise<(string | undefined)[]> {
    return inboxIdsFor(this.db, "address_log", addresses);
  }

  // --- commit log ---

  async insertCommitLogEntries(
    entries: { groupId: Uint8Array; entry: Uint8Array; signature: Uint8Array }[],
    nowNs: bigint,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const e of entries) {
        await trx
          .insertInto("commit_log")
          .values({
            created_ns: nowNs,
            group_id: e.groupId,
            serialized_entry: e.entry,
            serialized_signature: e.signature,
          })
          .execute();
      }
    });
  }

  /** Commit-log entries of a group after the cursor, ascending (the only order node-go serves). */
  async queryCommitLog(
    groupId: Uint8Array,
    paging: { limit?: number; cursor?: bigint },
  ): Promise<Page<CommitLogRow>> {
    const limit = pageLimit(paging.limit);
    const rows = await this.db
      .selectFrom("commit_log")
      .selectAll()
      .where("group_id", "=", groupId)
      .where("id", ">", paging.cursor ?? 0n)
      .orderBy("id", "asc")
      .limit(limit)
      .execute();
    return toPage(
      rows.map((r) => ({
        id: big(r.id),
        groupId: bytes(r.group_id),
        entry: bytes(r.serialized_entry),
        signature: bytes(r.serialized_signature),
      })),
      limit,
      "asc",
    );
  }
}

const NEWEST_CHUNK = 500;

function groupMessageRow(r: {
  id: bigint | number | string;
  created_ns: bigint | number | string;
  group_id: Uint8Array;
  data: Uint8Array;
  sender_hmac: Uint8Array;
  should_push: bigint | number | string;
  is_commit: bigint | number | string;
}): StoredGroupMessage {
  return {
    id: big(r.id),
    createdNs: big(r.created_ns),
    groupId: bytes(r.group_id),
    data: bytes(r.data),
    senderHmac: bytes(r.sender_hmac),
    shouldPush: Number(r.should_push) !== 0,
    isCommit: Number(r.is_commit) !== 0,
  };
}

function welcomeRow(r: {
  id: bigint | number | string;
  created_ns: bigint | number | string;
  installation_key: Uint8Array;
  data: Uint8Array;
  hpke_public_key: Uint8Array;
  wrapper_algorithm: bigint | number | string;
  welcome_metadata: Uint8Array;
  message_type: bigint | number | string;
}): StoredWelcome {
  return {
    id: big(r.id),
    createdNs: big(r.created_ns),
    kind: Number(r.message_type) === 1 ? "pointer" : "v1",
    installationKey: bytes(r.installation_key),
    data: bytes(r.data),
    hpkePublicKey: bytes(r.hpke_public_key),
    wrapperAlgorithm: Number(r.wrapper_algorithm),
    welcomeMetadata: bytes(r.welcome_metadata),
  };
}
