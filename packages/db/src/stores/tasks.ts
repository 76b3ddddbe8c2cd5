import { type Selectable, sql } from "kysely";
import { DbInputError, DbNotFoundError } from "../errors.js";
import type { TaskStore } from "../interfaces.js";
import type { TasksTable } from "../schema.js";
import type { NewTask, StoredTask } from "../types.js";
import {
  checkBigInt,
  checkBytes,
  checkCursorOrNull,
  checkInt,
  checkLimit,
  cursorOrNull,
  toBigInt,
  toBytes,
  toNum,
} from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

function fromRow(r: Selectable<TasksTable>): StoredTask {
  return {
    id: toNum(r.id),
    data: toBytes(r.data),
    dataHash: toBytes(r.data_hash),
    originatingMessage: cursorOrNull(r.originating_originator_id, r.originating_sequence_id),
    createdAtNs: toBigInt(r.created_at_ns),
    expiresAtNs: toBigInt(r.expires_at_ns),
    maxAttempts: toNum(r.max_attempts),
    initialBackoffNs: toBigInt(r.initial_backoff_ns),
    maxBackoffNs: toBigInt(r.max_backoff_ns),
    backoffScalingFactor: toNum(r.backoff_scaling_factor),
    nextAttemptAtNs: toBigInt(r.next_attempt_at_ns),
    attempts: toNum(r.attempts),
    lastAttemptedAtNs: toBigInt(r.last_attempted_at_ns),
  };
}

const checkId = (id: unknown) => checkInt("id", id, { min: 1 });

export class KyselyTaskStore implements TaskStore {
  constructor(private readonly ctx: StoreContext) {}

  async create(t: NewTask): Promise<StoredTask> {
    if (typeof t !== "object" || t === null) throw new DbInputError("task must be an object");
    const origin = checkCursorOrNull("originatingMessage", t.originatingMessage);
    if (typeof t.backoffScalingFactor !== "number" || !(t.backoffScalingFactor >= 1)) {
      throw new DbInputError("backoffScalingFactor must be a number >= 1");
    }
    const row = {
      data: checkBytes("data", t.data),
      data_hash: checkBytes("dataHash", t.dataHash, { nonEmpty: true }),
      originating_originator_id: origin?.originatorId ?? null,
      originating_sequence_id: origin?.sequenceId ?? null,
      created_at_ns: checkBigInt("createdAtNs", t.createdAtNs),
      expires_at_ns: checkBigInt("expiresAtNs", t.expiresAtNs),
      attempts: 0,
      max_attempts: checkInt("maxAttempts", t.maxAttempts, { min: 1 }),
      last_attempted_at_ns: 0n,
      backoff_scaling_factor: t.backoffScalingFactor,
      initial_backoff_ns: checkBigInt("initialBackoffNs", t.initialBackoffNs, { min: 0n }),
      max_backoff_ns: checkBigInt("maxBackoffNs", t.maxBackoffNs, { min: 0n }),
      next_attempt_at_ns: checkBigInt("nextAttemptAtNs", t.nextAttemptAtNs),
    };
    await q(() =>
      this.ctx.db
        .insertInto("tasks")
        .values(row)
        .onConflict((oc) => oc.column("data_hash").doNothing())
        .execute(),
    );
    const stored = await q(() =>
      this.ctx.db
        .selectFrom("tasks")
        .selectAll()
        .where("data_hash", "=", row.data_hash)
        .executeTakeFirstOrThrow(),
    );
    return fromRow(stored);
  }

  async get(id: number): Promise<StoredTask | undefined> {
    checkId(id);
    const row = await q(() =>
      this.ctx.db.selectFrom("tasks").selectAll().where("id", "=", id).executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async listDue(nowNs: bigint, limit?: number): Promise<StoredTask[]> {
    checkBigInt("nowNs", nowNs);
    const n = checkLimit(limit);
    let query = this.ctx.db
      .selectFrom("tasks")
      .selectAll()
      .where("next_attempt_at_ns", "<=", nowNs)
      .where("expires_at_ns", ">", nowNs)
      .orderBy("next_attempt_at_ns", "asc")
      .orderBy("id", "asc");
    if (n !== undefined) query = query.limit(n);
    return (await q(() => query.execute())).map(fromRow);
  }

  async recordAttempt(id: number, attemptedAtNs: bigint, nextAttemptAtNs: bigint): Promise<void> {
    checkId(id);
    checkBigInt("attemptedAtNs", attemptedAtNs);
    checkBigInt("nextAttemptAtNs", nextAttemptAtNs);
    const r = await q(() =>
      this.ctx.db
        .updateTable("tasks")
        .set({
          attempts: sql<number>`attempts + 1`,
          last_attempted_at_ns: attemptedAtNs,
          next_attempt_at_ns: nextAttemptAtNs,
        })
        .where("id", "=", id)
        .executeTakeFirst(),
    );
    if (changed(r) === 0) throw new DbNotFoundError(`no task ${id}`);
  }

  async reschedule(id: number, attemptedAtNs: bigint, nextAttemptAtNs: bigint): Promise<void> {
    checkId(id);
    checkBigInt("attemptedAtNs", attemptedAtNs);
    checkBigInt("nextAttemptAtNs", nextAttemptAtNs);
    const r = await q(() =>
      this.ctx.db
        .updateTable("tasks")
        .set({
          attempts: 0,
          last_attempted_at_ns: attemptedAtNs,
          next_attempt_at_ns: nextAttemptAtNs,
        })
        .where("id", "=", id)
        .executeTakeFirst(),
    );
    if (changed(r) === 0) throw new DbNotFoundError(`no task ${id}`);
  }

  async pullIn(dataHash: Uint8Array, notLaterThanNs: bigint): Promise<boolean> {
    const hash = checkBytes("dataHash", dataHash, { nonEmpty: true });
    checkBigInt("notLaterThanNs", notLaterThanNs);
    const exists = await q(() =>
      this.ctx.db.selectFrom("tasks").select("id").where("data_hash", "=", hash).executeTakeFirst(),
    );
    if (exists === undefined) return false;
    await q(() =>
      this.ctx.db
        .updateTable("tasks")
        .set({ next_attempt_at_ns: notLaterThanNs })
        .where("data_hash", "=", hash)
        .where("next_attempt_at_ns", ">", notLaterThanNs)
        .execute(),
    );
    return true;
  }

  async next(nowNs: bigint): Promise<StoredTask | undefined> {
    checkBigInt("nowNs", nowNs);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("tasks")
        .selectAll()
        .where("expires_at_ns", ">", nowNs)
        .orderBy("next_attempt_at_ns", "asc")
        .orderBy("id", "asc")
        .limit(1)
        .executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async delete(id: number): Promise<void> {
    checkId(id);
    await q(() => this.ctx.db.deleteFrom("tasks").where("id", "=", id).execute());
  }

  async deleteExpired(nowNs: bigint): Promise<number> {
    checkBigInt("nowNs", nowNs);
    const r = await q(() =>
      this.ctx.db.deleteFrom("tasks").where("expires_at_ns", "<=", nowNs).executeTakeFirst(),
    );
    return changed(r);
  }
}
