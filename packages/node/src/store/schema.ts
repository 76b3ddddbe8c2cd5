// The node's tables (after xmtp-node-go's MLS schema), written once for SQLite and Postgres.
import type {
  ColumnDefinitionBuilder,
  ColumnType,
  GeneratedAlways,
  Kysely,
  Migration,
} from "kysely";

/** Integer columns come back as bigint (SQLite with safe integers) or string (Postgres bigint). */
type Int = ColumnType<bigint | number | string, bigint | number, bigint | number>;
/** An id the database assigns. */
type Serial = GeneratedAlways<bigint | number | string>;
type Bytes = Uint8Array;

export interface Database {
  group_messages: {
    id: Serial;
    created_ns: Int;
    group_id: Bytes;
    data: Bytes;
    /** sha256(group_id ‖ data): identical messages are stored once. */
    dedupe_hash: Bytes;
    sender_hmac: Bytes;
    should_push: Int;
    is_commit: Int;
  };
  welcome_messages: {
    id: Serial;
    created_ns: Int;
    installation_key: Bytes;
    /** The wrapped welcome (V1) or the wrapped pointer (WelcomePointer). */
    data: Bytes;
    dedupe_hash: Bytes;
    hpke_public_key: Bytes;
    /** The proto enum value as sent (WelcomeWrapperAlgorithm or WelcomePointerWrapperAlgorithm). */
    wrapper_algorithm: Int;
    welcome_metadata: Bytes;
    /** 0 = V1 welcome, 1 = welcome pointer. */
    message_type: Int;
  };
  installations: {
    id: Bytes;
    inbox_id: string;
    key_package: Bytes;
    created_ns: Int;
    updated_ns: Int;
  };
  key_packages: {
    sequence_id: Serial;
    installation_id: Bytes;
    key_package: Bytes;
    created_ns: Int;
  };
  inbox_log: {
    sequence_id: Serial;
    inbox_id: string;
    server_timestamp_ns: Int;
    identity_update_proto: Bytes;
  };
  address_log: {
    address: string;
    inbox_id: string;
    association_sequence_id: Int;
    revocation_sequence_id: Int | null;
  };
  commit_log: {
    id: Serial;
    created_ns: Int;
    group_id: Bytes;
    serialized_entry: Bytes;
    serialized_signature: Bytes;
  };
  // --- d14n (the decentralized network's API): a network of its own, apart from the tables above.
  /** Every OriginatorEnvelope the d14n service stored, as served. */
  d14n_envelopes: {
    originator_id: Int;
    sequence_id: Int;
    /** The node's receive time; one strictly increasing clock over all originators. */
    originator_ns: Int;
    /** kind byte ‖ identifier (AuthenticatedData.target_topic). */
    topic: Bytes;
    /** The serialized OriginatorEnvelope. */
    originator_envelope: Bytes;
  };
  /** Ethereum addresses of d14n inboxes (as address_log, from d14n identity updates). */
  d14n_address_log: {
    address: string;
    inbox_id: string;
    /** Originator 1 sequence id of the update that associated the address. */
    association_sequence_id: Int;
    revocation_sequence_id: Int | null;
  };
  /** The last value handed out: `originator:<id>` (sequence ids) and `clock_ns`. */
  d14n_counters: {
    name: string;
    value: Int;
  };
  /** The node's secp256k1 keys: `node` (originator signatures) and `payer` (payer signatures). */
  d14n_keys: {
    name: string;
    private_key: Bytes;
    created_ns: Int;
  };
}

export type Dialect = "sqlite" | "postgres";

function migrations(dialect: Dialect): Record<string, Migration> {
  const bytes = dialect === "postgres" ? "bytea" : "blob";
  // A table-wide increasing id: SQLite's AUTOINCREMENT never reuses ids; Postgres uses a sequence.
  const serialType = dialect === "postgres" ? "bigserial" : "integer";
  const serial = (c: ColumnDefinitionBuilder) =>
    dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement();
  return {
    "001_initial": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("group_messages")
          .addColumn("id", serialType, serial)
          .addColumn("created_ns", "bigint", (c) => c.notNull())
          .addColumn("group_id", bytes, (c) => c.notNull())
          .addColumn("data", bytes, (c) => c.notNull())
          .addColumn("dedupe_hash", bytes, (c) => c.notNull().unique())
          .addColumn("sender_hmac", bytes, (c) => c.notNull())
          .addColumn("should_push", "integer", (c) => c.notNull())
          .addColumn("is_commit", "integer", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("group_messages_group_id_id")
          .on("group_messages")
          .columns(["group_id", "id"])
          .execute();

        await db.schema
          .createTable("welcome_messages")
          .addColumn("id", serialType, serial)
          .addColumn("created_ns", "bigint", (c) => c.notNull())
          .addColumn("installation_key", bytes, (c) => c.notNull())
          .addColumn("data", bytes, (c) => c.notNull())
          .addColumn("dedupe_hash", bytes, (c) => c.notNull().unique())
          .addColumn("hpke_public_key", bytes, (c) => c.notNull())
          .addColumn("wrapper_algorithm", "integer", (c) => c.notNull())
          .addColumn("welcome_metadata", bytes, (c) => c.notNull())
          .addColumn("message_type", "integer", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("welcome_messages_installation_key_id")
          .on("welcome_messages")
          .columns(["installation_key", "id"])
          .execute();

        await db.schema
          .createTable("installations")
          .addColumn("id", bytes, (c) => c.primaryKey())
          .addColumn("inbox_id", "text", (c) => c.notNull())
          .addColumn("key_package", bytes, (c) => c.notNull())
          .addColumn("created_ns", "bigint", (c) => c.notNull())
          .addColumn("updated_ns", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("key_packages")
          .addColumn("sequence_id", serialType, serial)
          .addColumn("installation_id", bytes, (c) => c.notNull())
          .addColumn("key_package", bytes, (c) => c.notNull())
          .addColumn("created_ns", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("inbox_log")
          .addColumn("sequence_id", serialType, serial)
          .addColumn("inbox_id", "text", (c) => c.notNull())
          .addColumn("server_timestamp_ns", "bigint", (c) => c.notNull())
          .addColumn("identity_update_proto", bytes, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("inbox_log_inbox_id_sequence_id")
          .on("inbox_log")
          .columns(["inbox_id", "sequence_id"])
          .execute();

        await db.schema
          .createTable("address_log")
          .addColumn("address", "text", (c) => c.notNull())
          .addColumn("inbox_id", "text", (c) => c.notNull())
          .addColumn("association_sequence_id", "bigint", (c) => c.notNull())
          .addColumn("revocation_sequence_id", "bigint")
          .execute();
        await db.schema
          .createIndex("address_log_address_inbox_id")
          .on("address_log")
          .columns(["address", "inbox_id"])
          .execute();

        await db.schema
          .createTable("commit_log")
          .addColumn("id", serialType, serial)
          .addColumn("created_ns", "bigint", (c) => c.notNull())
          .addColumn("group_id", bytes, (c) => c.notNull())
          .addColumn("serialized_entry", bytes, (c) => c.notNull())
          .addColumn("serialized_signature", bytes, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("commit_log_group_id_id")
          .on("commit_log")
          .columns(["group_id", "id"])
          .execute();
      },
    },
    "002_d14n": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("d14n_envelopes")
          .addColumn("originator_id", "integer", (c) => c.notNull())
          .addColumn("sequence_id", "bigint", (c) => c.notNull())
          .addColumn("originator_ns", "bigint", (c) => c.notNull().unique())
          .addColumn("topic", bytes, (c) => c.notNull())
          .addColumn("originator_envelope", bytes, (c) => c.notNull())
          .addPrimaryKeyConstraint("d14n_envelopes_pk", ["originator_id", "sequence_id"])
          .execute();
        await db.schema
          .createIndex("d14n_envelopes_topic_originator_ns")
          .on("d14n_envelopes")
          .columns(["topic", "originator_ns"])
          .execute();

        await db.schema
          .createTable("d14n_address_log")
          .addColumn("address", "text", (c) => c.notNull())
          .addColumn("inbox_id", "text", (c) => c.notNull())
          .addColumn("association_sequence_id", "bigint", (c) => c.notNull())
          .addColumn("revocation_sequence_id", "bigint")
          .execute();
        await db.schema
          .createIndex("d14n_address_log_address_inbox_id")
          .on("d14n_address_log")
          .columns(["address", "inbox_id"])
          .execute();

        await db.schema
          .createTable("d14n_counters")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("value", "bigint", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("d14n_keys")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("private_key", bytes, (c) => c.notNull())
          .addColumn("created_ns", "bigint", (c) => c.notNull())
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect) {
  return { getMigrations: async () => migrations(dialect) };
}
