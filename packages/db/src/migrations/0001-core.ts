// Migration 1: the identity, groups, messages, intents, cursors and the MLS state store.
import { type Kysely, sql } from "kysely";
import { columnTypes, notNull, type SqlDialect, withIdColumn } from "./columns.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema of their time.
export async function up(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  const { bytes } = columnTypes(dialect);

  await db.schema
    .createTable("identity")
    // One row: the installation's own identity.
    .addColumn("id", "integer", (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn("inbox_id", "text", notNull)
    .addColumn("installation_keys", bytes, notNull)
    .addColumn("credential_bytes", bytes, notNull)
    .addColumn("registration_state", "integer", notNull)
    .addColumn("registration_originator_id", "integer")
    .addColumn("registration_sequence_id", "bigint")
    .addColumn("next_key_package_rotation_ns", "bigint")
    .execute();

  await db.schema
    .createTable("groups")
    .addColumn("id", bytes, (c) => c.primaryKey())
    .addColumn("created_at_ns", "bigint", notNull)
    .addColumn("conversation_type", "integer", notNull)
    .addColumn("membership_state", "integer", notNull)
    .addColumn("added_by_inbox_id", "text", notNull)
    .addColumn("dm_id", "text")
    .addColumn("welcome_originator_id", "integer")
    .addColumn("welcome_sequence_id", "bigint")
    .addColumn("installations_last_checked_ns", "bigint", notNull)
    .addColumn("rotated_at_ns", "bigint", notNull)
    .addColumn("last_message_ns", "bigint")
    .addColumn("message_disappear_from_ns", "bigint")
    .addColumn("message_disappear_in_ns", "bigint")
    .addColumn("paused_for_version", "text")
    .addColumn("maybe_forked", "integer", notNull)
    .addColumn("fork_details", "text", notNull)
    .addColumn("should_publish_commit_log", "integer", notNull)
    .addColumn("commit_log_public_key", bytes)
    .addColumn("is_commit_log_forked", "integer")
    .addColumn("has_pending_leave_request", "integer", notNull)
    .execute();
  await db.schema.createIndex("groups_dm_id").on("groups").column("dm_id").execute();
  await db.schema
    .createIndex("groups_last_message_ns")
    .on("groups")
    .column("last_message_ns")
    .execute();

  await db.schema
    .createTable("group_messages")
    .addColumn("id", bytes, (c) => c.primaryKey())
    .addColumn("group_id", bytes, notNull)
    .addColumn("decrypted_message_bytes", bytes, notNull)
    .addColumn("sent_at_ns", "bigint", notNull)
    .addColumn("kind", "integer", notNull)
    .addColumn("sender_installation_id", bytes, notNull)
    .addColumn("sender_inbox_id", "text", notNull)
    .addColumn("delivery_status", "integer", notNull)
    .addColumn("content_type", "integer", notNull)
    .addColumn("authority_id", "text", notNull)
    .addColumn("version_major", "integer", notNull)
    .addColumn("version_minor", "integer", notNull)
    .addColumn("reference_id", bytes)
    .addColumn("originator_id", "integer", notNull)
    .addColumn("sequence_id", "bigint", notNull)
    .addColumn("inserted_at_ns", "bigint", notNull)
    .addColumn("should_push", "integer", notNull)
    .addColumn("idempotency_key", "text", notNull)
    .execute();
  // "The latest N messages of a group" walks this index backwards and stops after N rows.
  await db.schema
    .createIndex("group_messages_group_sent")
    .on("group_messages")
    .columns(["group_id", "sent_at_ns"])
    .execute();
  await db.schema
    .createIndex("group_messages_reference_id")
    .on("group_messages")
    .column("reference_id")
    .execute();

  await withIdColumn(db.schema.createTable("group_intents"), dialect)
    .addColumn("kind", "integer", notNull)
    .addColumn("group_id", bytes, notNull)
    .addColumn("data", bytes, notNull)
    .addColumn("state", "integer", notNull)
    .addColumn("payload_hash", bytes)
    .addColumn("post_commit_data", bytes)
    .addColumn("staged_commit", bytes)
    .addColumn("published_in_epoch", "bigint")
    .addColumn("publish_attempts", "integer", notNull)
    .addColumn("should_push", "integer", notNull)
    .addColumn("originator_id", "integer")
    .addColumn("sequence_id", "bigint")
    .execute();
  await db.schema
    .createIndex("group_intents_group_state")
    .on("group_intents")
    .columns(["group_id", "state"])
    .execute();
  await db.schema
    .createIndex("group_intents_payload_hash")
    .on("group_intents")
    .column("payload_hash")
    .execute();

  await db.schema
    .createTable("refresh_state")
    .addColumn("entity_id", bytes, notNull)
    .addColumn("entity_kind", "integer", notNull)
    .addColumn("originator_id", "integer", notNull)
    .addColumn("sequence_id", "bigint", notNull)
    .addPrimaryKeyConstraint("refresh_state_pk", ["entity_id", "entity_kind", "originator_id"])
    .execute();

  await db.schema
    .createTable("mls_group_state")
    .addColumn("group_id", bytes, (c) => c.primaryKey())
    .addColumn("epoch", "bigint", notNull)
    .addColumn("state", bytes, notNull)
    .addColumn("updated_at_ns", "bigint", notNull)
    .execute();

  await db.schema
    .createTable("mls_key_packages")
    .addColumn("hash_ref", bytes, (c) => c.primaryKey())
    .addColumn("init_public_key", bytes, notNull)
    .addColumn("post_quantum_public_key", bytes)
    .addColumn("secrets", bytes, notNull)
    .addColumn("created_at_ns", "bigint", notNull)
    .execute();
  await db.schema
    .createIndex("mls_key_packages_init_public_key")
    .on("mls_key_packages")
    .column("init_public_key")
    .execute();
  await db.schema
    .createIndex("mls_key_packages_post_quantum_public_key")
    .on("mls_key_packages")
    .column("post_quantum_public_key")
    .execute();
}
