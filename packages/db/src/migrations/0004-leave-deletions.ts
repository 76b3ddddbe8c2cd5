// Migration 4: libxmtp 1.9's leave requests (members waiting to be removed) and message deletions.
import type { Kysely } from "kysely";
import { columnTypes, notNull, type SqlDialect } from "./columns.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time.
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  const { bytes } = columnTypes(dialect);

  // One row per inbox that asked to leave a group (libxmtp's pending_remove).
  await db.schema
    .createTable("pending_removes")
    .addColumn("group_id", bytes, notNull)
    .addColumn("inbox_id", "text", notNull)
    .addColumn("message_id", bytes, notNull)
    .addPrimaryKeyConstraint("pending_removes_pk", ["group_id", "inbox_id"])
    .execute();

  // One row per DeleteMessage accepted (libxmtp's message_deletions); the target row stays.
  await db.schema
    .createTable("message_deletions")
    .addColumn("id", bytes, (c) => c.primaryKey())
    .addColumn("group_id", bytes, notNull)
    .addColumn("deleted_message_id", bytes, notNull)
    .addColumn("deleted_by_inbox_id", "text", notNull)
    .addColumn("is_super_admin_deletion", "integer", notNull)
    .addColumn("deleted_at_ns", "bigint", notNull)
    .execute();
  await db.schema
    .createIndex("message_deletions_target")
    .on("message_deletions")
    .column("deleted_message_id")
    .execute();
}
