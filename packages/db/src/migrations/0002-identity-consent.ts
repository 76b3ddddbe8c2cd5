// Migration 2: identity-update and association-state caches, the identifier -> inbox cache,
// key-package history, consent records and user preferences.
import { type Kysely, sql } from "kysely";
import { columnTypes, notNull, type SqlDialect, withIdColumn } from "./columns.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time.
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  const { bytes } = columnTypes(dialect);

  await db.schema
    .createTable("identity_updates")
    .addColumn("inbox_id", "text", notNull)
    .addColumn("sequence_id", "bigint", notNull)
    .addColumn("originator_id", "integer", notNull)
    .addColumn("server_timestamp_ns", "bigint", notNull)
    .addColumn("payload", bytes, notNull)
    .addPrimaryKeyConstraint("identity_updates_pk", ["inbox_id", "sequence_id"])
    .execute();

  await db.schema
    .createTable("association_state")
    .addColumn("inbox_id", "text", notNull)
    .addColumn("sequence_id", "bigint", notNull)
    .addColumn("state", bytes, notNull)
    .addPrimaryKeyConstraint("association_state_pk", ["inbox_id", "sequence_id"])
    .execute();

  await db.schema
    .createTable("identity_cache")
    .addColumn("identifier", "text", notNull)
    .addColumn("identifier_kind", "integer", notNull)
    .addColumn("inbox_id", "text", notNull)
    .addPrimaryKeyConstraint("identity_cache_pk", ["identifier", "identifier_kind"])
    .execute();

  await withIdColumn(db.schema.createTable("key_package_history"), dialect)
    .addColumn("key_package_hash_ref", bytes, (c) => c.notNull().unique())
    .addColumn("created_at_ns", "bigint", notNull)
    .addColumn("delete_at_ns", "bigint")
    .addColumn("post_quantum_public_key", bytes)
    .execute();

  await db.schema
    .createTable("consent_records")
    .addColumn("entity_type", "integer", notNull)
    .addColumn("entity", "text", notNull)
    .addColumn("state", "integer", notNull)
    .addColumn("consented_at_ns", "bigint", notNull)
    .addPrimaryKeyConstraint("consent_records_pk", ["entity_type", "entity"])
    .execute();

  await db.schema
    .createTable("user_preferences")
    // One row.
    .addColumn("id", "integer", (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn("hmac_key", bytes)
    .addColumn("hmac_key_cycled_at_ns", "bigint")
    .addColumn("dm_group_updates_migrated", "integer", notNull)
    .execute();
}
