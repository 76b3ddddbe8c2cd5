// Query helpers the v3 and d14n stores share.
import type { Kysely } from "kysely";
import { QUERY_CHUNK, yieldToOthers } from "../services/limits.js";
import type { Database } from "./schema.js";

/** Integer columns come back as bigint, number or string depending on the driver. */
export const big = (v: bigint | number | string) => BigInt(v);

/** Lists cut to QUERY_CHUNK items, for `in (...)` queries. */
export function inChunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += QUERY_CHUNK) out.push(items.slice(i, i + QUERY_CHUNK));
  return out;
}

/**
 * For each address, the inbox of its newest association that is not revoked (exact string
 * match, as node-go and xmtpd do), from the v3 or the d14n address index.
 */
export async function inboxIdsFor(
  db: Kysely<Database>,
  table: "address_log" | "d14n_address_log",
  addresses: readonly string[],
): Promise<(string | undefined)[]> {
  const best = new Map<string, { inboxId: string; seq: bigint }>();
  for (const part of inChunks([...new Set(addresses)])) {
    const rows = await db
      .selectFrom(table)
      .select(["address", "inbox_id", "association_sequence_id"])
      .where("address", "in", part)
      .where("revocation_sequence_id", "is", null)
      .execute();
    for (const r of rows) {
      const seq = big(r.association_sequence_id);
      const cur = best.get(r.address);
      if (!cur || seq > cur.seq) best.set(r.address, { inboxId: r.inbox_id, seq });
    }
    await yieldToOthers();
  }
  return addresses.map((a) => best.get(a)?.inboxId);
}
