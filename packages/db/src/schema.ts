// The kysely view of the tables the migrations create. Column names follow libxmtp's xmtp_db
// where a table has a counterpart there.
//
// Integer columns come back as bigint (better-sqlite3 in safe-integer mode, pg with our int8
// parser) or number (pg int4, other drivers); the stores normalise them. Booleans are stored as
// integers 0/1 on every dialect so the schema is the same everywhere.
import type { ColumnType } from "kysely";

/** A 32-bit integer, an enum value or a boolean (0/1). */
type Int = ColumnType<number | bigint, number, number>;
type NInt = ColumnType<number | bigint | null, number | null, number | null>;
/** A 64-bit integer: nanosecond times, sequence ids, epochs. */
type Int64 = ColumnType<bigint | number | string, bigint, bigint>;
type NInt64 = ColumnType<bigint | number | string | null, bigint | null, bigint | null>;
/** An auto-incremented id: never written by us. */
type Id = ColumnType<number | bigint, never, never>;
type Bytes = Uint8Array;
type Real = ColumnType<number, number, number>;

export interface IdentityTable {
  id: Int;
  inbox_id: string;
  installation_keys: Bytes;
  credential_bytes: Bytes;
  registration_state: Int;
  registration_originator_id: NInt;
  registration_sequence_id: NInt64;
  next_key_package_rotation_ns: NInt64;
}

export interface GroupsTable {
  id: Bytes;
  created_at_ns: Int64;
  conversation_type: Int;
  membership_state: Int;
  added_by_inbox_id: string;
  dm_id: string | null;
  welcome_originator_id: NInt;
  welcome_sequence_id: NInt64;
  installations_last_checked_ns: Int64;
  rotated_at_ns: Int64;
  last_message_ns: NInt64;
  message_disappear_from_ns: NInt64;
  message_disappear_in_ns: NInt64;
  paused_for_version: string | null;
  maybe_forked: Int;
  fork_details: string;
  should_publish_commit_log: Int;
  commit_log_public_key: Bytes | null;
  is_commit_log_forked: NInt;
  has_pending_leave_request: Int;
}

export interface GroupMessagesTable {
  id: Bytes;
  group_id: Bytes;
  decrypted_message_bytes: Bytes;
  sent_at_ns: Int64;
  kind: Int;
  sender_installation_id: Bytes;
  sender_inbox_id: string;
  delivery_status: Int;
  content_type: Int;
  authority_id: string;
  version_major: Int;
  version_minor: Int;
  reference_id: Bytes | null;
  originator_id: Int;
  sequence_id: Int64;
  inserted_at_ns: Int64;
  /** Added by migration 0003. */
  expire_at_ns: NInt64;
  should_push: Int;
  idempotency_key: string;
}

export interface GroupIntentsTable {
  id: Id;
  kind: Int;
  group_id: Bytes;
  data: Bytes;
  state: Int;
  payload_hash: Bytes | null;
  post_commit_data: Bytes | null;
  staged_commit: Bytes | null;
  published_in_epoch: NInt64;
  publish_attempts: Int;
  should_push: Int;
  originator_id: NInt;
  sequence_id: NInt64;
}

export interface RefreshStateTable {
  entity_id: Bytes;
  entity_kind: Int;
  originator_id: Int;
  sequence_id: Int64;
}

export interface IdentityUpdatesTable {
  inbox_id: string;
  sequence_id: Int64;
  originator_id: Int;
  server_timestamp_ns: Int64;
  payload: Bytes;
}

export interface AssociationStateTable {
  inbox_id: string;
  sequence_id: Int64;
  state: Bytes;
}

export interface IdentityCacheTable {
  identifier: string;
  identifier_kind: Int;
  inbox_id: string;
}

export interface KeyPackageHistoryTable {
  id: Id;
  key_package_hash_ref: Bytes;
  created_at_ns: Int64;
  delete_at_ns: NInt64;
  post_quantum_public_key: Bytes | null;
}

export interface ConsentRecordsTable {
  entity_type: Int;
  entity: string;
  state: Int;
  consented_at_ns: Int64;
}

export interface UserPreferencesTable {
  id: Int;
  hmac_key: Bytes | null;
  hmac_key_cycled_at_ns: NInt64;
  dm_group_updates_migrated: Int;
}

export interface LocalCommitLogTable {
  id: Id;
  group_id: Bytes;
  commit_sequence_id: Int64;
  last_epoch_authenticator: Bytes;
  commit_result: Int;
  applied_epoch_number: Int64;
  applied_epoch_authenticator: Bytes;
  error_message: string | null;
  sender_inbox_id: string | null;
  sender_installation_id: Bytes | null;
  commit_type: string | null;
}

export interface RemoteCommitLogTable {
  id: Id;
  log_sequence_id: Int64;
  group_id: Bytes;
  commit_sequence_id: Int64;
  commit_result: Int;
  applied_epoch_number: Int64;
  applied_epoch_authenticator: Bytes;
}

export interface TasksTable {
  id: Id;
  originating_originator_id: NInt;
  originating_sequence_id: NInt64;
  created_at_ns: Int64;
  expires_at_ns: Int64;
  attempts: Int;
  max_attempts: Int;
  last_attempted_at_ns: Int64;
  backoff_scaling_factor: Real;
  initial_backoff_ns: Int64;
  max_backoff_ns: Int64;
  next_attempt_at_ns: Int64;
  data_hash: Bytes;
  data: Bytes;
}

export interface MlsGroupStateTable {
  group_id: Bytes;
  epoch: Int64;
  /** Our version byte, then ts-mls's serialized ClientState. */
  state: Bytes;
  updated_at_ns: Int64;
}

export interface MlsKeyPackagesTable {
  hash_ref: Bytes;
  init_public_key: Bytes;
  post_quantum_public_key: Bytes | null;
  /** Our version byte, then the client's serialized private material. */
  secrets: Bytes;
  created_at_ns: Int64;
}

export interface PendingRemovesTable {
  group_id: Bytes;
  inbox_id: string;
  message_id: Bytes;
}

export interface MessageDeletionsTable {
  id: Bytes;
  group_id: Bytes;
  deleted_message_id: Bytes;
  deleted_by_inbox_id: string;
  is_super_admin_deletion: Int;
  deleted_at_ns: Int64;
}

export interface ProcessedDeviceSyncMessagesTable {
  message_id: Bytes;
  processed_at_ns: Int64;
}

export interface Database {
  identity: IdentityTable;
  groups: GroupsTable;
  group_messages: GroupMessagesTable;
  group_intents: GroupIntentsTable;
  refresh_state: RefreshStateTable;
  identity_updates: IdentityUpdatesTable;
  association_state: AssociationStateTable;
  identity_cache: IdentityCacheTable;
  key_package_history: KeyPackageHistoryTable;
  consent_records: ConsentRecordsTable;
  user_preferences: UserPreferencesTable;
  local_commit_log: LocalCommitLogTable;
  remote_commit_log: RemoteCommitLogTable;
  tasks: TasksTable;
  pending_removes: PendingRemovesTable;
  message_deletions: MessageDeletionsTable;
  processed_device_sync_messages: ProcessedDeviceSyncMessagesTable;
  mls_group_state: MlsGroupStateTable;
  mls_key_packages: MlsKeyPackagesTable;
}
