import { DbInputError } from "../errors.js";
import type { DeviceSyncStore } from "../interfaces.js";
import { checkBigInt, checkBytes, hex } from "../values.js";
import { q, type StoreContext } from "./common.js";

/** Ids per statement: databases cap the number of bound parameters. */
const CHUNK = 500;

export class KyselyDeviceSyncStore implements DeviceSyncStore {
  constructor(private readonly ctx: StoreContext) {}

  async markProcessed(messageId: Uint8Array, atNs: bigint): Promise<boolean> {
    const row = {
      message_id: checkBytes("messageId", messageId, { nonEmpty: true }),
      processed_at_ns: checkBigInt("atNs", atNs),
    };
    const r = await q(() =>
      this.ctx.db
        .insertInto("processed_device_sync_messages")
        .values(row)
        .onConflict((oc) => oc.column("message_id").doNothing())
        .executeTakeFirst(),
    );
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async unprocessed(messageIds: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (!Array.isArray(messageIds)) throw new DbInputError("messageIds must be an array");
    const ids = messageIds.map((id, i) => checkBytes(`messageIds[${i}]`, id, { nonEmpty: true }));
    const done = new Set<string>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const rows = await q(() =>
        this.ctx.db
          .selectFrom("processed_device_sync_messages")
          .select("message_id")
          .where("message_id", "in", chunk)
          .execute(),
      );
      for (const r of rows) done.add(hex(r.message_id));
    }
    return ids.filter((id) => !done.has(hex(id)));
  }
}
