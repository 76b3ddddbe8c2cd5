import { type Selectable, sql } from "kysely";
import { DbInputError, DbNotFoundError } from "../errors.js";
import type { GroupListOptions, GroupPageOptions, GroupStore } from "../interfaces.js";
import type { GroupsTable } from "../schema.js";
import {
  type ConversationType,
  type GroupMembershipState,
  type GroupUpdate,
  type StoredGroup,
  VALID,
} from "../types.js";
import {
  checkBigInt,
  checkBigIntOrNull,
  checkBool,
  checkBytes,
  checkBytesOrNull,
  checkCursorOrNull,
  checkEnum,
  checkInt,
  checkLimit,
  checkString,
  checkStringOrNull,
  cursorOrNull,
  fromBool,
  fromBoolOrNull,
  toBigInt,
  toBigIntOrNull,
  toBool,
  toBoolOrNull,
  toBytes,
  toBytesOrNull,
  toNum,
} from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

type Row = Selectable<GroupsTable>;

export function groupFromRow(row: Row): StoredGroup {
  return {
    id: toBytes(row.id),
    createdAtNs: toBigInt(row.created_at_ns),
    conversationType: toNum(row.conversation_type) as ConversationType,
    membershipState: toNum(row.membership_state) as GroupMembershipState,
    addedByInboxId: row.added_by_inbox_id,
    dmId: row.dm_id,
    welcomeCursor: cursorOrNull(row.welcome_originator_id, row.welcome_sequence_id),
    installationsLastCheckedNs: toBigInt(row.installations_last_checked_ns),
    rotatedAtNs: toBigInt(row.rotated_at_ns),
    lastMessageNs: toBigIntOrNull(row.last_message_ns),
    messageDisappearFromNs: toBigIntOrNull(row.message_disappear_from_ns),
    messageDisappearInNs: toBigIntOrNull(row.message_disappear_in_ns),
    pausedForVersion: row.paused_for_version,
    maybeForked: toBool(row.maybe_forked),
    forkDetails: row.fork_details,
    shouldPublishCommitLog: toBool(row.should_publish_commit_log),
    commitLogPublicKey: toBytesOrNull(row.commit_log_public_key),
    isCommitLogForked: toBoolOrNull(row.is_commit_log_forked),
    hasPendingLeaveRequest: toBool(row.has_pending_leave_request),
  };
}

/** Checks and converts the mutable fields present in `g` to their columns. */
function mutableColumns(g: GroupUpdate) {
  const set: Record<string, unknown> = {};
  const has = (k: keyof GroupUpdate) => Object.hasOwn(g, k) && g[k] !== undefined;
  if (has("membershipState")) {
    set.membership_state = checkEnum("membershipState", g.membershipState, VALID.membershipState);
  }
  if (has("welcomeCursor")) {
    const c = checkCursorOrNull("welcomeCursor", g.welcomeCursor);
    set.welcome_originator_id = c?.originatorId ?? null;
    set.welcome_sequence_id = c?.sequenceId ?? null;
  }
  if (has("installationsLastCheckedNs")) {
    set.installations_last_checked_ns = checkBigInt(
      "installationsLastCheckedNs",
      g.installationsLastCheckedNs,
    );
  }
  if (has("rotatedAtNs")) set.rotated_at_ns = checkBigInt("rotatedAtNs", g.rotatedAtNs);
  if (has("lastMessageNs"))
    set.last_message_ns = checkBigIntOrNull("lastMessageNs", g.lastMessageNs);
  if (has("messageDisappearFromNs")) {
    set.message_disappear_from_ns = checkBigIntOrNull(
      "messageDisappearFromNs",
      g.messageDisappearFromNs,
    );
  }
  if (has("messageDisappearInNs")) {
    set.message_disappear_in_ns = checkBigIntOrNull("messageDisappearInNs", g.messageDisappearInNs);
  }
  if (has("pausedForVersion")) {
    set.paused_for_version = checkStringOrNull("pausedForVersion", g.pausedForVersion);
  }
  if (has("maybeForked")) set.maybe_forked = fromBool(checkBool("maybeForked", g.maybeForked));
  if (has("forkDetails")) set.fork_details = checkString("forkDetails", g.forkDetails);
  if (has("shouldPublishCommitLog")) {
    set.should_publish_commit_log = fromBool(
      checkBool("shouldPublishCommitLog", g.shouldPublishCommitLog),
    );
  }
  if (has("commitLogPublicKey")) {
    set.commit_log_public_key = checkBytesOrNull("commitLogPublicKey", g.commitLogPublicKey);
  }
  if (has("isCommitLogForked")) {
    const v = g.isCommitLogForked ?? null;
    set.is_commit_log_forked = fromBoolOrNull(
      v === null ? null : checkBool("isCommitLogForked", v),
    );
  }
  if (has("hasPendingLeaveRequest")) {
    set.has_pending_leave_request = fromBool(
      checkBool("hasPendingLeaveRequest", g.hasPendingLeaveRequest),
    );
  }
  return set;
}

function toRow(g: StoredGroup) {
  const set = mutableColumns(g);
  return {
    id: checkBytes("id", g.id, { nonEmpty: true }),
    created_at_ns: checkBigInt("createdAtNs", g.createdAtNs),
    conversation_type: checkEnum<ConversationType>(
      "conversationType",
      g.conversationType,
      VALID.conversationType,
    ),
    membership_state: set.membership_state as number,
    added_by_inbox_id: checkString("addedByInboxId", g.addedByInboxId),
    dm_id: checkStringOrNull("dmId", g.dmId),
    welcome_originator_id: (set.welcome_originator_id as number | null) ?? null,
    welcome_sequence_id: (set.welcome_sequence_id as bigint | null) ?? null,
    installations_last_checked_ns: set.installations_last_checked_ns as bigint,
    rotated_at_ns: set.rotated_at_ns as bigint,
    last_message_ns: (set.last_message_ns as bigint | null) ?? null,
    message_disappear_from_ns: (set.message_disappear_from_ns as bigint | null) ?? null,
    message_disappear_in_ns: (set.message_disappear_in_ns as bigint | null) ?? null,
    paused_for_version: (set.paused_for_version as string | null) ?? null,
    maybe_forked: set.maybe_forked as number,
    fork_details: set.fork_details as string,
    should_publish_commit_log: set.should_publish_commit_log as number,
    commit_log_public_key: (set.commit_log_public_key as Uint8Array | null) ?? null,
    is_commit_log_forked: (set.is_commit_log_forked as number | null) ?? null,
    has_pending_leave_request: set.has_pending_leave_request as number,
  };
}

const REQUIRED: (keyof StoredGroup)[] = [
  "membershipState",
  "installationsLastCheckedNs",
  "rotatedAtNs",
  "maybeForked",
  "forkDetails",
  "shouldPublishCommitLog",
  "hasPendingLeaveRequest",
];

function checkedRow(g: StoredGroup) {
  if (typeof g !== "object" || g === null) throw new DbInputError("group must be an object");
  for (const k of REQUIRED) {
    if (g[k] === undefined || g[k] === null) throw new DbInputError(`group.${k} is required`);
  }
  return toRow(g);
}

export class KyselyGroupStore implements GroupStore {
  constructor(private readonly ctx: StoreContext) {}

  async insert(group: StoredGroup): Promise<void> {
    const row = checkedRow(group);
    await q(() => this.ctx.db.insertInto("groups").values(row).execute());
  }

  async insertOrIgnore(group: StoredGroup): Promise<boolean> {
    const row = checkedRow(group);
    const r = await q(() =>
      this.ctx.db
        .insertInto("groups")
        .values(row)
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async get(id: Uint8Array): Promise<StoredGroup | undefined> {
    checkBytes("id", id);
    const row = await q(() =>
      this.ctx.db.selectFrom("groups").selectAll().where("id", "=", id).executeTakeFirst(),
    );
    return row ? groupFromRow(row) : undefined;
  }

  async update(id: Uint8Array, patch: GroupUpdate): Promise<void> {
    checkBytes("id", id);
    if (typeof patch !== "object" || patch === null)
      throw new DbInputError("patch must be an object");
    const set = mutableColumns(patch);
    if (Object.keys(set).length === 0) {
      if (!(await this.get(id))) throw new DbNotFoundError("no group with this id");
      return;
    }
    const r = await q(() =>
      this.ctx.db.updateTable("groups").set(set).where("id", "=", id).executeTakeFirst(),
    );
    if (changed(r) === 0) throw new DbNotFoundError("no group with this id");
  }

  async list(options: GroupListOptions = {}): Promise<StoredGroup[]> {
    const limit = checkLimit(options.limit);
    let query = this.ctx.db.selectFrom("groups").selectAll();
    if (options.conversationTypes) {
      const types = options.conversationTypes.map((t) =>
        checkEnum("conversationTypes", t, VALID.conversationType),
      );
      if (types.length === 0) return [];
      query = query.where("conversation_type", "in", types);
    }
    if (options.membershipStates) {
      const states = options.membershipStates.map((s) =>
        checkEnum("membershipStates", s, VALID.membershipState),
      );
      if (states.length === 0) return [];
      query = query.where("membership_state", "in", states);
    }
    if (options.activeSinceNs !== undefined) {
      const since = checkBigInt("activeSinceNs", options.activeSinceNs);
      query = query.where((eb) =>
        eb.or([
          eb("last_message_ns", ">=", since),
          eb.and([eb("last_message_ns", "is", null), eb("created_at_ns", ">=", since)]),
        ]),
      );
    }
    query = query
      .orderBy(sql`last_message_ns is null`)
      .orderBy("last_message_ns", "desc")
      .orderBy("created_at_ns", "desc");
    if (limit !== undefined) query = query.limit(limit);
    const rows = await q(() => query.execute());
    return rows.map(groupFromRow);
  }

  async findDms(dmId: string): Promise<StoredGroup[]> {
    checkString("dmId", dmId, { nonEmpty: true });
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("groups")
        .selectAll()
        .where("dm_id", "=", dmId)
        .orderBy(sql`last_message_ns is null`)
        .orderBy("last_message_ns", "desc")
        .orderBy("created_at_ns", "desc")
        .execute(),
    );
    return rows.map(groupFromRow);
  }

  async delete(id: Uint8Array): Promise<void> {
    checkBytes("id", id);
    await q(() => this.ctx.db.deleteFrom("groups").where("id", "=", id).execute());
  }

  async listPage(options: GroupPageOptions): Promise<StoredGroup[]> {
    if (typeof options !== "object" || options === null) {
      throw new DbInputError("options must be an object");
    }
    const limit = checkInt("limit", options.limit, { min: 0 });
    let query = this.ctx.db.selectFrom("groups").selectAll();
    if (options.afterId !== undefined) {
      query = query.where("id", ">", checkBytes("afterId", options.afterId));
    }
    if (options.createdAfterNs !== undefined) {
      query = query.where(
        "created_at_ns",
        ">",
        checkBigInt("createdAfterNs", options.createdAfterNs),
      );
    }
    if (options.createdBeforeNs !== undefined) {
      query = query.where(
        "created_at_ns",
        "<",
        checkBigInt("createdBeforeNs", options.createdBeforeNs),
      );
    }
    if (options.excludeConversationTypes) {
      const types = options.excludeConversationTypes.map((t) =>
        checkEnum("excludeConversationTypes", t, VALID.conversationType),
      );
      if (types.length > 0) query = query.where("conversation_type", "not in", types);
    }
    // Blobs (SQLite) and bytea (PostgreSQL) both compare bytewise, so the key is the same order.
    const rows = await q(() => query.orderBy("id", "asc").limit(limit).execute());
    return rows.map(groupFromRow);
  }
}
