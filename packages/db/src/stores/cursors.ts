import { DbInputError } from "../errors.js";
import type { CursorStore } from "../interfaces.js";
import { type CursorKind, VALID } from "../types.js";
import { checkBigInt, checkBytes, checkEnum, checkInt, hex, toBigInt, toNum } from "../values.js";
import { q, type StoreContext } from "./common.js";

function checkKey(entityId: unknown, kind: unknown, originatorId: unknown) {
  checkBytes("entityId", entityId, { nonEmpty: true });
  checkEnum<CursorKind>("kind", kind, VALID.cursorKind);
  checkInt("originatorId", originatorId, { min: 0 });
}

const MANY_CHUNK = 500;

export class KyselyCursorStore implements CursorStore {
  constructor(private readonly ctx: StoreContext) {}

  async get(entityId: Uint8Array, kind: CursorKind, originatorId: number): Promise<bigint> {
    checkKey(entityId, kind, originatorId);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("refresh_state")
        .select("sequence_id")
        .where("entity_id", "=", entityId)
        .where("entity_kind", "=", kind)
        .where("originator_id", "=", originatorId)
        .executeTakeFirst(),
    );
    return row ? toBigInt(row.sequence_id) : 0n;
  }

  async getMany(
    entityIds: readonly Uint8Array[],
    kind: CursorKind,
    originatorId: number,
  ): Promise<bigint[]> {
    if (!Array.isArray(entityIds)) throw new DbInputError("entityIds must be an array");
    for (const id of entityIds) checkKey(id, kind, originatorId);
    const found = new Map<string, bigint>();
    // In chunks: databases cap the number of bound parameters in one statement.
    for (let i = 0; i < entityIds.length; i += MANY_CHUNK) {
      const rows = await q(() =>
        this.ctx.db
          .selectFrom("refresh_state")
          .select(["entity_id", "sequence_id"])
          .where("entity_id", "in", entityIds.slice(i, i + MANY_CHUNK))
          .where("entity_kind", "=", kind)
          .where("originator_id", "=", originatorId)
          .execute(),
      );
      for (const r of rows) found.set(hex(r.entity_id), toBigInt(r.sequence_id));
    }
    return entityIds.map((id) => found.get(hex(id)) ?? 0n);
  }

  async getAll(entityId: Uint8Array, kind: CursorKind): Promise<Map<number, bigint>> {
    checkBytes("entityId", entityId, { nonEmpty: true });
    checkEnum("kind", kind, VALID.cursorKind);
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("refresh_state")
        .select(["originator_id", "sequence_id"])
        .where("entity_id", "=", entityId)
        .where("entity_kind", "=", kind)
        .orderBy("originator_id")
        .execute(),
    );
    return new Map(rows.map((r) => [toNum(r.originator_id), toBigInt(r.sequence_id)]));
  }

  async getAllMany(
    entityIds: readonly Uint8Array[],
    kind: CursorKind,
  ): Promise<Map<number, bigint>[]> {
    if (!Array.isArray(entityIds)) throw new DbInputError("entityIds must be an array");
    for (const id of entityIds) checkKey(id, kind, 0);
    const found = new Map<string, Map<number, bigint>>();
    for (let i = 0; i < entityIds.length; i += MANY_CHUNK) {
      const rows = await q(() =>
        this.ctx.db
          .selectFrom("refresh_state")
          .select(["entity_id", "originator_id", "sequence_id"])
          .where("entity_id", "in", entityIds.slice(i, i + MANY_CHUNK))
          .where("entity_kind", "=", kind)
          .execute(),
      );
      for (const r of rows) {
        const key = hex(r.entity_id);
        const entry = found.get(key) ?? new Map<number, bigint>();
        found.set(key, entry);
        entry.set(toNum(r.originator_id), toBigInt(r.sequence_id));
      }
    }
    return entityIds.map((id) => new Map(found.get(hex(id)) ?? []));
  }

  async set(
    entityId: Uint8Array,
    kind: CursorKind,
    originatorId: number,
    sequenceId: bigint,
  ): Promise<void> {
    checkKey(entityId, kind, originatorId);
    checkBigInt("sequenceId", sequenceId, { min: 0n });
    await q(() =>
      this.ctx.db
        .insertInto("refresh_state")
        .values({
          entity_id: entityId,
          entity_kind: kind,
          originator_id: originatorId,
          sequence_id: sequenceId,
        })
        .onConflict((oc) =>
          oc
            .columns(["entity_id", "entity_kind", "originator_id"])
            .doUpdateSet({ sequence_id: sequenceId }),
        )
        .execute(),
    );
  }

  async advance(
    entityId: Uint8Array,
    kind: CursorKind,
    originatorId: number,
    sequenceId: bigint,
  ): Promise<boolean> {
    checkKey(entityId, kind, originatorId);
    checkBigInt("sequenceId", sequenceId, { min: 0n });
    const r = await q(() =>
      this.ctx.db
        .insertInto("refresh_state")
        .values({
          entity_id: entityId,
          entity_kind: kind,
          originator_id: originatorId,
          sequence_id: sequenceId,
        })
        .onConflict((oc) =>
          oc
            .columns(["entity_id", "entity_kind", "originator_id"])
            .doUpdateSet({ sequence_id: sequenceId })
            .where("refresh_state.sequence_id", "<", sequenceId),
        )
        .executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
}
