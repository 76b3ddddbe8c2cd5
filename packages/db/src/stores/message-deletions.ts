import type { Selectable } from "kysely";
import { DbInputError } from "../errors.js";
import type { MessageDeletionStore } from "../interfaces.js";
import type { MessageDeletionsTable } from "../schema.js";
import type { MessageDeletion } from "../types.js";
import { checkBigInt, checkBytes, checkString, toBigInt, toBytes, toNum } from "../values.js";
import { q, type StoreContext } from "./common.js";

function fromRow(r: Selectable<MessageDeletionsTable>): MessageDeletion {
  return {
    id: toBytes(r.id),
    groupId: toBytes(r.group_id),
    deletedMessageId: toBytes(r.deleted_message_id),
    deletedByInboxId: r.deleted_by_inbox_id,
    isSuperAdminDeletion: toNum(r.is_super_admin_deletion) === 1,
    deletedAtNs: toBigInt(r.deleted_at_ns),
  };
}

export class KyselyMessageDeletionStore implements MessageDeletionStore {
  constructor(private readonly ctx: StoreContext) {}

  async insert(d: MessageDeletion): Promise<boolean> {
    if (typeof d !== "object" || d === null) throw new DbInputError("deletion must be an object");
    if (typeof d.isSuperAdminDeletion !== "boolean") {
      throw new DbInputError("isSuperAdminDeletion must be a boolean");
    }
    const row = {
      id: checkBytes("id", d.id, { nonEmpty: true }),
      group_id: checkBytes("groupId", d.groupId, { nonEmpty: true }),
      deleted_message_id: checkBytes("deletedMessageId", d.deletedMessageId, { nonEmpty: true }),
      deleted_by_inbox_id: checkString("deletedByInboxId", d.deletedByInboxId, { nonEmpty: true }),
      is_super_admin_deletion: d.isSuperAdminDeletion ? 1 : 0,
      deleted_at_ns: checkBigInt("deletedAtNs", d.deletedAtNs),
    };
    const r = await q(() =>
      this.ctx.db
        .insertInto("message_deletions")
        .values(row)
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async findByTargets(messageIds: readonly Uint8Array[]): Promise<MessageDeletion[]> {
    if (!Array.isArray(messageIds)) throw new DbInputError("messageIds must be an array");
    const ids = messageIds.map((id, i) => checkBytes(`messageIds[${i}]`, id));
    if (ids.length === 0) return [];
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("message_deletions")
        .selectAll()
        .where("deleted_message_id", "in", ids)
        .orderBy("deleted_at_ns", "asc")
        .execute(),
    );
    return rows.map(fromRow);
  }
}
