import { type Selectable, sql } from "kysely";
import { DbInputError, DbNotFoundError } from "../errors.js";
import type { IntentPublishData, IntentStore } from "../interfaces.js";
import type { GroupIntentsTable } from "../schema.js";
import {
  type Cursor,
  type IntentKind,
  IntentState,
  type NewIntent,
  type StoredIntent,
  VALID,
} from "../types.js";
import {
  checkBigInt,
  checkBool,
  checkBytes,
  checkBytesOrNull,
  checkCursor,
  checkEnum,
  checkInt,
  cursorOrNull,
  fromBool,
  toBigIntOrNull,
  toBool,
  toBytes,
  toBytesOrNull,
  toNum,
} from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

function fromRow(row: Selectable<GroupIntentsTable>): StoredIntent {
  return {
    id: toNum(row.id),
    kind: toNum(row.kind) as IntentKind,
    groupId: toBytes(row.group_id),
    data: toBytes(row.data),
    state: toNum(row.state) as IntentState,
    payloadHash: toBytesOrNull(row.payload_hash),
    postCommitData: toBytesOrNull(row.post_commit_data),
    stagedCommit: toBytesOrNull(row.staged_commit),
    publishedInEpoch: toBigIntOrNull(row.published_in_epoch),
    publishAttempts: toNum(row.publish_attempts),
    shouldPush: toBool(row.should_push),
    cursor: cursorOrNull(row.originator_id, row.sequence_id),
  };
}

const checkId = (id: unknown) => checkInt("id", id, { min: 1 });

export class KyselyIntentStore implements IntentStore {
  constructor(private readonly ctx: StoreContext) {}

  async insert(intent: NewIntent): Promise<StoredIntent> {
    if (typeof intent !== "object" || intent === null)
      throw new DbInputError("intent must be an object");
    const row = {
      kind: checkEnum<IntentKind>("kind", intent.kind, VALID.intentKind),
      group_id: checkBytes("groupId", intent.groupId, { nonEmpty: true }),
      data: checkBytes("data", intent.data),
      state: checkEnum<IntentState>(
        "state",
        intent.state ?? IntentState.ToPublish,
        VALID.intentState,
      ),
      publish_attempts: 0,
      should_push: fromBool(checkBool("shouldPush", intent.shouldPush)),
    };
    const inserted = await q(() =>
      this.ctx.db.insertInto("group_intents").values(row).returningAll().executeTakeFirstOrThrow(),
    );
    return fromRow(inserted);
  }

  async get(id: number): Promise<StoredIntent | undefined> {
    checkId(id);
    const row = await q(() =>
      this.ctx.db.selectFrom("group_intents").selectAll().where("id", "=", id).executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async groupsWithIntents(states: readonly IntentState[]): Promise<Uint8Array[]> {
    if (!Array.isArray(states)) throw new DbInputError("states must be an array");
    const s = states.map((x) => checkEnum("states", x, VALID.intentState));
    if (s.length === 0) return [];
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("group_intents")
        .select("group_id")
        .distinct()
        .where("state", "in", s)
        .execute(),
    );
    return rows.map((r) => new Uint8Array(r.group_id));
  }

  async find(groupId: Uint8Array, states: readonly IntentState[]): Promise<StoredIntent[]> {
    checkBytes("groupId", groupId);
    if (!Array.isArray(states)) throw new DbInputError("states must be an array");
    const s = states.map((x) => checkEnum("states", x, VALID.intentState));
    if (s.length === 0) return [];
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("group_intents")
        .selectAll()
        .where("group_id", "=", groupId)
        .where("state", "in", s)
        .orderBy("id", "asc")
        .execute(),
    );
    return rows.map(fromRow);
  }

  async findByPayloadHash(payloadHash: Uint8Array): Promise<StoredIntent | undefined> {
    checkBytes("payloadHash", payloadHash, { nonEmpty: true });
    const row = await q(() =>
      this.ctx.db
        .selectFrom("group_intents")
        .selectAll()
        .where("payload_hash", "=", payloadHash)
        .orderBy("id", "desc")
        .executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async setPublished(id: number, data: IntentPublishData): Promise<void> {
    checkId(id);
    if (typeof data !== "object" || data === null) throw new DbInputError("data must be an object");
    await this.update(id, {
      state: IntentState.Published,
      payload_hash: checkBytes("payloadHash", data.payloadHash, { nonEmpty: true }),
      post_commit_data: checkBytesOrNull("postCommitData", data.postCommitData),
      staged_commit: checkBytesOrNull("stagedCommit", data.stagedCommit),
      published_in_epoch: checkBigInt("publishedInEpoch", data.publishedInEpoch, { min: 0n }),
    });
  }

  async setToPublish(id: number): Promise<void> {
    checkId(id);
    await this.update(id, {
      state: IntentState.ToPublish,
      payload_hash: null,
      post_commit_data: null,
      staged_commit: null,
      published_in_epoch: null,
    });
  }

  async setCommitted(id: number, cursor: Cursor): Promise<void> {
    checkId(id);
    checkCursor("cursor", cursor);
    await this.update(id, {
      state: IntentState.Committed,
      originator_id: cursor.originatorId,
      sequence_id: cursor.sequenceId,
    });
  }

  async setState(id: number, state: IntentState): Promise<void> {
    checkId(id);
    await this.update(id, { state: checkEnum("state", state, VALID.intentState) });
  }

  async incrementPublishAttempts(id: number): Promise<number> {
    checkId(id);
    const row = await q(() =>
      this.ctx.db
        .updateTable("group_intents")
        .set({ publish_attempts: sql<number>`publish_attempts + 1` })
        .where("id", "=", id)
        .returning("publish_attempts")
        .executeTakeFirst(),
    );
    if (!row) throw new DbNotFoundError(`no intent ${id}`);
    return toNum(row.publish_attempts);
  }

  async delete(id: number): Promise<void> {
    checkId(id);
    await q(() => this.ctx.db.deleteFrom("group_intents").where("id", "=", id).execute());
  }

  private async update(
    id: number,
    set: {
      state: number;
      payload_hash?: Uint8Array | null;
      post_commit_data?: Uint8Array | null;
      staged_commit?: Uint8Array | null;
      published_in_epoch?: bigint | null;
      originator_id?: number;
      sequence_id?: bigint;
    },
  ): Promise<void> {
    const r = await q(() =>
      this.ctx.db.updateTable("group_intents").set(set).where("id", "=", id).executeTakeFirst(),
    );
    if (changed(r) === 0) throw new DbNotFoundError(`no intent ${id}`);
  }
}
