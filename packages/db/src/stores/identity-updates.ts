import { DbInputError } from "../errors.js";
import type { AssociationStateCache, IdentityUpdateStore, InboxIdCache } from "../interfaces.js";
import { type IdentifierKind, type IdentityUpdateRecord, VALID } from "../types.js";
import {
  checkBigInt,
  checkBytes,
  checkEnum,
  checkInt,
  checkString,
  toBigInt,
  toBytes,
  toNum,
} from "../values.js";
import { q, type StoreContext } from "./common.js";

export class KyselyIdentityUpdateStore implements IdentityUpdateStore {
  constructor(private readonly ctx: StoreContext) {}

  async insert(updates: readonly IdentityUpdateRecord[]): Promise<number> {
    if (!Array.isArray(updates)) throw new DbInputError("updates must be an array");
    const rows = updates.map((u, i) => ({
      inbox_id: checkString(`updates[${i}].inboxId`, u.inboxId, { nonEmpty: true }),
      sequence_id: checkBigInt(`updates[${i}].sequenceId`, u.sequenceId, { min: 0n }),
      originator_id: checkInt(`updates[${i}].originatorId`, u.originatorId, { min: 0 }),
      server_timestamp_ns: checkBigInt(`updates[${i}].serverTimestampNs`, u.serverTimestampNs),
      payload: checkBytes(`updates[${i}].payload`, u.payload),
    }));
    let inserted = 0;
    for (const row of rows) {
      const r = await q(() =>
        this.ctx.db
          .insertInto("identity_updates")
          .values(row)
          .onConflict((oc) => oc.columns(["inbox_id", "sequence_id"]).doNothing())
          .executeTakeFirst(),
      );
      inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return inserted;
  }

  async list(
    inboxId: string,
    range: { afterSequenceId?: bigint; upToSequenceId?: bigint } = {},
  ): Promise<IdentityUpdateRecord[]> {
    checkString("inboxId", inboxId);
    let query = this.ctx.db
      .selectFrom("identity_updates")
      .selectAll()
      .where("inbox_id", "=", inboxId);
    if (range.afterSequenceId !== undefined) {
      query = query.where(
        "sequence_id",
        ">",
        checkBigInt("afterSequenceId", range.afterSequenceId),
      );
    }
    if (range.upToSequenceId !== undefined) {
      query = query.where("sequence_id", "<=", checkBigInt("upToSequenceId", range.upToSequenceId));
    }
    const rows = await q(() => query.orderBy("sequence_id", "asc").execute());
    return rows.map((r) => ({
      inboxId: r.inbox_id,
      sequenceId: toBigInt(r.sequence_id),
      originatorId: toNum(r.originator_id),
      serverTimestampNs: toBigInt(r.server_timestamp_ns),
      payload: toBytes(r.payload),
    }));
  }

  async latestSequenceIds(inboxIds: readonly string[]): Promise<Map<string, bigint>> {
    if (!Array.isArray(inboxIds)) throw new DbInputError("inboxIds must be an array");
    for (const [i, id] of inboxIds.entries()) checkString(`inboxIds[${i}]`, id);
    if (inboxIds.length === 0) return new Map();
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("identity_updates")
        .select(["inbox_id", (eb) => eb.fn.max("sequence_id").as("max_seq")])
        .where("inbox_id", "in", [...inboxIds])
        .groupBy("inbox_id")
        .execute(),
    );
    return new Map(rows.map((r) => [r.inbox_id, toBigInt(r.max_seq)]));
  }
}

export class KyselyAssociationStateCache implements AssociationStateCache {
  constructor(private readonly ctx: StoreContext) {}

  async get(inboxId: string, sequenceId: bigint): Promise<Uint8Array | undefined> {
    checkString("inboxId", inboxId);
    checkBigInt("sequenceId", sequenceId);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("association_state")
        .select("state")
        .where("inbox_id", "=", inboxId)
        .where("sequence_id", "=", sequenceId)
        .executeTakeFirst(),
    );
    return row ? toBytes(row.state) : undefined;
  }

  async put(inboxId: string, sequenceId: bigint, state: Uint8Array): Promise<void> {
    const row = {
      inbox_id: checkString("inboxId", inboxId, { nonEmpty: true }),
      sequence_id: checkBigInt("sequenceId", sequenceId, { min: 0n }),
      state: checkBytes("state", state),
    };
    await q(() =>
      this.ctx.db
        .insertInto("association_state")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["inbox_id", "sequence_id"]).doUpdateSet({ state: row.state }),
        )
        .execute(),
    );
  }
}

export class KyselyInboxIdCache implements InboxIdCache {
  constructor(private readonly ctx: StoreContext) {}

  async get(identifier: string, kind: IdentifierKind): Promise<string | undefined> {
    checkString("identifier", identifier);
    checkEnum("kind", kind, VALID.identifierKind);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("identity_cache")
        .select("inbox_id")
        .where("identifier", "=", identifier)
        .where("identifier_kind", "=", kind)
        .executeTakeFirst(),
    );
    return row?.inbox_id;
  }

  async put(identifier: string, kind: IdentifierKind, inboxId: string): Promise<void> {
    const row = {
      identifier: checkString("identifier", identifier, { nonEmpty: true }),
      identifier_kind: checkEnum<IdentifierKind>("kind", kind, VALID.identifierKind),
      inbox_id: checkString("inboxId", inboxId, { nonEmpty: true }),
    };
    await q(() =>
      this.ctx.db
        .insertInto("identity_cache")
        .values(row)
        .onConflict((oc) =>
          oc.columns(["identifier", "identifier_kind"]).doUpdateSet({ inbox_id: row.inbox_id }),
        )
        .execute(),
    );
  }
}
