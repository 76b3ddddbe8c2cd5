// Migration 5: device sync. Each sync-group message is handled once, also across restarts
// (libxmtp's processed_device_sync_messages).
import type { Kysely } from "kysely";
import { columnTypes, notNull, type SqlDialect } from "./columns.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time.
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  const { bytes } = columnTypes(dialect);
  await db.schema
    .createTable("processed_device_sync_messages")
    .addColumn("message_id", bytes, (c) => c.primaryKey())
    .addColumn("processed_at_ns", "bigint", notNull)
    .execute();
}
