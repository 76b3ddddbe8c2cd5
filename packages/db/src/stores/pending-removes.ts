import { DbInputError } from "../errors.js";
import type { PendingRemoveStore } from "../interfaces.js";
import type { PendingRemove } from "../types.js";
import { checkBytes, checkString } from "../values.js";
import { changed, q, type StoreContext } from "./common.js";

export class KyselyPendingRemoveStore implements PendingRemoveStore {
  constructor(private readonly ctx: StoreContext) {}

  async add(entry: PendingRemove): Promise<boolean> {
    if (typeof entry !== "object" || entry === null) {
      throw new DbInputError("entry must be an object");
    }
    const row = {
      group_id: checkBytes("groupId", entry.groupId, { nonEmpty: true }),
      inbox_id: checkString("inboxId", entry.inboxId, { nonEmpty: true }),
      message_id: checkBytes("messageId", entry.messageId, { nonEmpty: true }),
    };
    const r = await q(() =>
      this.ctx.db
        .insertInto("pending_removes")
        .values(row)
        .onConflict((oc) => oc.columns(["group_id", "inbox_id"]).doNothing())
        .executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async list(groupId: Uint8Array): Promise<string[]> {
    const gid = checkBytes("groupId", groupId);
    const rows = await q(() =>
      this.ctx.db
        .selectFrom("pending_removes")
        .select("inbox_id")
        .where("group_id", "=", gid)
        .orderBy("inbox_id")
        .execute(),
    );
    return rows.map((r) => r.inbox_id);
  }

  async has(groupId: Uint8Array, inboxId: string): Promise<boolean> {
    const gid = checkBytes("groupId", groupId);
    const inbox = checkString("inboxId", inboxId);
    const row = await q(() =>
      this.ctx.db
        .selectFrom("pending_removes")
        .select("inbox_id")
        .where("group_id", "=", gid)
        .where("inbox_id", "=", inbox)
        .executeTakeFirst(),
    );
    return row !== undefined;
  }

  async delete(groupId: Uint8Array, inboxIds: readonly string[]): Promise<number> {
    const gid = checkBytes("groupId", groupId);
    if (!Array.isArray(inboxIds)) throw new DbInputError("inboxIds must be an array");
    const ids = inboxIds.map((id, i) => checkString(`inboxIds[${i}]`, id));
    if (ids.length === 0) return 0;
    const r = await q(() =>
      this.ctx.db
        .deleteFrom("pending_removes")
        .where("group_id", "=", gid)
        .where("inbox_id", "in", ids)
        .executeTakeFirst(),
    );
    return changed(r);
  }
}
