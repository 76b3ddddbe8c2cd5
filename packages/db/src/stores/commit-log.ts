import type { Selectable } from "kysely";
import { DbInputError } from "../errors.js";
import type { CommitLogStore } from "../interfaces.js";
import type { LocalCommitLogTable, RemoteCommitLogTable } from "../schema.js";
import type { LocalCommitLogEntry, RemoteCommitLogEntry } from "../types.js";
import {
  checkBigInt,
  checkBytes,
  checkBytesOrNull,
  checkInt,
  checkLimit,
  checkStringOrNull,
  toBigInt,
  toBytes,
  toBytesOrNull,
  toNum,
} from "../values.js";
import { q, type StoreContext } from "./common.js";

function localFromRow(r: Selectable<LocalCommitLogTable>): LocalCommitLogEntry {
  return {
    rowid: toNum(r.id),
    groupId: toBytes(r.group_id),
    commitSequenceId: toBigInt(r.commit_sequence_id),
    lastEpochAuthenticator: toBytes(r.last_epoch_authenticator),
    commitResult: toNum(r.commit_result),
    appliedEpochNumber: toBigInt(r.applied_epoch_number),
    appliedEpochAuthenticator: toBytes(r.applied_epoch_authenticator),
    errorMessage: r.error_message,
    senderInboxId: r.sender_inbox_id,
    senderInstallationId: toBytesOrNull(r.sender_installation_id),
    commitType: r.commit_type,
  };
}

function remoteFromRow(r: Selectable<RemoteCommitLogTable>): RemoteCommitLogEntry {
  return {
    rowid: toNum(r.id),
    logSequenceId: toBigInt(r.log_sequence_id),
    groupId: toBytes(r.group_id),
    commitSequenceId: toBigInt(r.commit_sequence_id),
    commitResult: toNum(r.commit_result),
    appliedEpochNumber: toBigInt(r.applied_epoch_number),
    appliedEpochAuthenticator: toBytes(r.applied_epoch_authenticator),
  };
}

export class KyselyCommitLogStore implements CommitLogStore {
  constructor(private readonly ctx: StoreContext) {}

  async appendLocal(e: Omit<LocalCommitLogEntry, "rowid">): Promise<number> {
    if (typeof e !== "object" || e === null) throw new DbInputError("entry must be an object");
    const row = {
      group_id: checkBytes("groupId", e.groupId, { nonEmpty: true }),
      commit_sequence_id: checkBigInt("commitSequenceId", e.commitSequenceId, { min: 0n }),
      last_epoch_authenticator: checkBytes("lastEpochAuthenticator", e.lastEpochAuthenticator),
      commit_result: checkInt("commitResult", e.commitResult, { min: 0 }),
      applied_epoch_number: checkBigInt("appliedEpochNumber", e.appliedEpochNumber, { min: 0n }),
      applied_epoch_authenticator: checkBytes(
        "appliedEpochAuthenticator",
        e.appliedEpochAuthenticator,
      ),
      error_message: checkStringOrNull("errorMessage", e.errorMessage),
      sender_inbox_id: checkStringOrNull("senderInboxId", e.senderInboxId),
      sender_installation_id: checkBytesOrNull("senderInstallationId", e.senderInstallationId),
      commit_type: checkStringOrNull("commitType", e.commitType),
    };
    const r = await q(() =>
      this.ctx.db
        .insertInto("local_commit_log")
        .values(row)
        .returning("id")
        .executeTakeFirstOrThrow(),
    );
    return toNum(r.id);
  }

  async listLocal(
    groupId: Uint8Array,
    options: { afterRowid?: number; limit?: number } = {},
  ): Promise<LocalCommitLogEntry[]> {
    checkBytes("groupId", groupId);
    const limit = checkLimit(options.limit);
    let query = this.ctx.db
      .selectFrom("local_commit_log")
      .selectAll()
      .where("group_id", "=", groupId);
    if (options.afterRowid !== undefined) {
      query = query.where("id", ">", checkInt("afterRowid", options.afterRowid, { min: 0 }));
    }
    query = query.orderBy("id", "asc");
    if (limit !== undefined) query = query.limit(limit);
    return (await q(() => query.execute())).map(localFromRow);
  }

  async latestLocal(groupId: Uint8Array): Promise<LocalCommitLogEntry | undefined> {
    checkBytes("groupId", groupId);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("local_commit_log")
        .selectAll()
        .where("group_id", "=", groupId)
        .orderBy("id", "desc")
        .executeTakeFirst(),
    );
    return row ? localFromRow(row) : undefined;
  }

  async appendRemote(entries: readonly Omit<RemoteCommitLogEntry, "rowid">[]): Promise<number> {
    if (!Array.isArray(entries)) throw new DbInputError("entries must be an array");
    const rows = entries.map((e, i) => ({
      log_sequence_id: checkBigInt(`entries[${i}].logSequenceId`, e.logSequenceId, { min: 0n }),
      group_id: checkBytes(`entries[${i}].groupId`, e.groupId, { nonEmpty: true }),
      commit_sequence_id: checkBigInt(`entries[${i}].commitSequenceId`, e.commitSequenceId, {
        min: 0n,
      }),
      commit_result: checkInt(`entries[${i}].commitResult`, e.commitResult, { min: 0 }),
      applied_epoch_number: checkBigInt(`entries[${i}].appliedEpochNumber`, e.appliedEpochNumber, {
        min: 0n,
      }),
      applied_epoch_authenticator: checkBytes(
        `entries[${i}].appliedEpochAuthenticator`,
        e.appliedEpochAuthenticator,
      ),
    }));
    let inserted = 0;
    for (const row of rows) {
      const r = await q(() =>
        this.ctx.db
          .insertInto("remote_commit_log")
          .values(row)
          .onConflict((oc) => oc.columns(["group_id", "log_sequence_id"]).doNothing())
          .executeTakeFirst(),
      );
      inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return inserted;
  }

  async listRemote(
    groupId: Uint8Array,
    options: { afterLogSequenceId?: bigint; limit?: number } = {},
  ): Promise<RemoteCommitLogEntry[]> {
    checkBytes("groupId", groupId);
    const limit = checkLimit(options.limit);
    let query = this.ctx.db
      .selectFrom("remote_commit_log")
      .selectAll()
      .where("group_id", "=", groupId);
    if (options.afterLogSequenceId !== undefined) {
      query = query.where(
        "log_sequence_id",
        ">",
        checkBigInt("afterLogSequenceId", options.afterLogSequenceId),
      );
    }
    query = query.orderBy("log_sequence_id", "asc");
    if (limit !== undefined) query = query.limit(limit);
    return (await q(() => query.execute())).map(remoteFromRow);
  }
}
