import type { Selectable } from "kysely";
import { DbInputError } from "../errors.js";
import type { KeyPackageHistoryStore } from "../interfaces.js";
import type { KeyPackageHistoryTable } from "../schema.js";
import type { KeyPackageHistoryEntry } from "../types.js";
import {
  checkBigInt,
  checkBytes,
  checkBytesOrNull,
  checkInt,
  toBigInt,
  toBigIntOrNull,
  toBytes,
  toBytesOrNull,
  toNum,
} from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

function fromRow(row: Selectable<KeyPackageHistoryTable>): KeyPackageHistoryEntry {
  return {
    id: toNum(row.id),
    keyPackageHashRef: toBytes(row.key_package_hash_ref),
    createdAtNs: toBigInt(row.created_at_ns),
    deleteAtNs: toBigIntOrNull(row.delete_at_ns),
    postQuantumPublicKey: toBytesOrNull(row.post_quantum_public_key),
  };
}

export class KyselyKeyPackageHistoryStore implements KeyPackageHistoryStore {
  constructor(private readonly ctx: StoreContext) {}

  async insert(
    entry: Omit<KeyPackageHistoryEntry, "id" | "deleteAtNs">,
  ): Promise<KeyPackageHistoryEntry> {
    if (typeof entry !== "object" || entry === null)
      throw new DbInputError("entry must be an object");
    const row = {
      key_package_hash_ref: checkBytes("keyPackageHashRef", entry.keyPackageHashRef, {
        nonEmpty: true,
      }),
      created_at_ns: checkBigInt("createdAtNs", entry.createdAtNs),
      post_quantum_public_key: checkBytesOrNull("postQuantumPublicKey", entry.postQuantumPublicKey),
    };
    const inserted = await q(() =>
      this.ctx.db
        .insertInto("key_package_history")
        .values(row)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return fromRow(inserted);
  }

  async findByHashRef(hashRef: Uint8Array): Promise<KeyPackageHistoryEntry | undefined> {
    checkBytes("hashRef", hashRef);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("key_package_history")
        .selectAll()
        .where("key_package_hash_ref", "=", hashRef)
        .executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async latest(): Promise<KeyPackageHistoryEntry | undefined> {
    const row = await q(() =>
      this.ctx.db
        .selectFrom("key_package_history")
        .selectAll()
        .orderBy("id", "desc")
        .executeTakeFirst(),
    );
    return row ? fromRow(row) : undefined;
  }

  async markForDeletion(beforeId: number, deleteAtNs: bigint): Promise<number> {
    checkInt("beforeId", beforeId, { min: 0 });
    checkBigInt("deleteAtNs", deleteAtNs);
    const r = await q(() =>
      this.ctx.db
        .updateTable("key_package_history")
        .set({ delete_at_ns: deleteAtNs })
        .where("id", "<", beforeId)
        .where("delete_at_ns", "is", null)
        .executeTakeFirst(),
    );
    return changed(r);
  }

  async listDueForDeletion(nowNs: bigint): Promise<KeyPackageHistoryEntry[]> {
    checkBigInt("nowNs", nowNs);
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("key_package_history")
        .selectAll()
        .where("delete_at_ns", "is not", null)
        .where("delete_at_ns", "<=", nowNs)
        .orderBy("id", "asc")
        .execute(),
    );
    return rows.map(fromRow);
  }

  async nextDeletionAtNs(): Promise<bigint | undefined> {
    const row = await q(() =>
      this.ctx.db
        .selectFrom("key_package_history")
        .select((eb) => eb.fn.min("delete_at_ns").as("at"))
        .where("delete_at_ns", "is not", null)
        .executeTakeFirst(),
    );
    return row?.at === null || row?.at === undefined ? undefined : toBigInt(row.at);
  }

  async delete(ids: readonly number[]): Promise<void> {
    if (!Array.isArray(ids)) throw new DbInputError("ids must be an array");
    for (const [i, id] of ids.entries()) checkInt(`ids[${i}]`, id, { min: 1 });
    if (ids.length === 0) return;
    await q(() =>
      this.ctx.db
        .deleteFrom("key_package_history")
        .where("id", "in", [...ids])
        .execute(),
    );
  }
}
