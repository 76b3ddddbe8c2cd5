// Migration 3: the XIP-68 commit logs, background tasks, and message expiry (disappearing
// messages) on the existing messages table.
import type { Kysely } from "kysely";
import { columnTypes, notNull, type SqlDialect, withIdColumn } from "./columns.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time.
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  const { bytes, real } = columnTypes(dialect);

  await withIdColumn(db.schema.createTable("local_commit_log"), dialect)
    .addColumn("group_id", bytes, notNull)
    .addColumn("commit_sequence_id", "bigint", notNull)
    .addColumn("last_epoch_authenticator", bytes, notNull)
    .addColumn("commit_result", "integer", notNull)
    .addColumn("applied_epoch_number", "bigint", notNull)
    .addColumn("applied_epoch_authenticator", bytes, notNull)
    .addColumn("error_message", "text")
    .addColumn("sender_inbox_id", "text")
    .addColumn("sender_installation_id", bytes)
    .addColumn("commit_type", "text")
    .execute();
  await db.schema
    .createIndex("local_commit_log_group")
    .on("local_commit_log")
    .columns(["group_id", "commit_sequence_id"])
    .execute();

  await withIdColumn(db.schema.createTable("remote_commit_log"), dialect)
    .addColumn("log_sequence_id", "bigint", notNull)
    .addColumn("group_id", bytes, notNull)
    .addColumn("commit_sequence_id", "bigint", notNull)
    .addColumn("commit_result", "integer", notNull)
    .addColumn("applied_epoch_number", "bigint", notNull)
    .addColumn("applied_epoch_authenticator", bytes, notNull)
    .addUniqueConstraint("remote_commit_log_group_seq", ["group_id", "log_sequence_id"])
    .execute();

  await withIdColumn(db.schema.createTable("tasks"), dialect)
    .addColumn("originating_originator_id", "integer")
    .addColumn("originating_sequence_id", "bigint")
    .addColumn("created_at_ns", "bigint", notNull)
    .addColumn("expires_at_ns", "bigint", notNull)
    .addColumn("attempts", "integer", notNull)
    .addColumn("max_attempts", "integer", notNull)
    .addColumn("last_attempted_at_ns", "bigint", notNull)
    .addColumn("backoff_scaling_factor", real, notNull)
    .addColumn("initial_backoff_ns", "bigint", notNull)
    .addColumn("max_backoff_ns", "bigint", notNull)
    .addColumn("next_attempt_at_ns", "bigint", notNull)
    .addColumn("data_hash", bytes, (c) => c.notNull().unique())
    .addColumn("data", bytes, notNull)
    .execute();
  await db.schema
    .createIndex("tasks_next_attempt")
    .on("tasks")
    .column("next_attempt_at_ns")
    .execute();

  // Existing rows keep NULL: they never expire.
  await db.schema.alterTable("group_messages").addColumn("expire_at_ns", "bigint").execute();
  await db.schema
    .createIndex("group_messages_expire_at_ns")
    .on("group_messages")
    .column("expire_at_ns")
    .execute();
}
