// Nodes sharing one Postgres database tell each other about the rows they store, so a stream
// on one node delivers what was sent through another. The inserting transaction notifies
// (`pg_notify`, delivered at commit, in commit order; per topic that is id order, see
// NodeStore.lockTopics); every node listens on one channel and fetches the rows by id. A node
// hears its own rows the same way: publishing them directly would put them ahead of rows other
// nodes committed earlier.
import { randomUUID } from "node:crypto";

export const ROW_CHANNEL = "x_node_rows";
/** Postgres caps a notification's payload at 8000 bytes: at most this many ids per notice. */
export const IDS_PER_NOTICE = 300;

export type RowKind = "g" | "w";

export interface RowNotice {
  /** The store instance that inserted the rows. */
  from: string;
  kind: RowKind;
  ids: bigint[];
}

export const newInstanceId = (): string => randomUUID();

export function encodeNotice(n: RowNotice): string {
  return `${n.from}|${n.kind}|${n.ids.join(",")}`;
}

/** A notice, or undefined for a payload that is not one of ours. */
export function parseNotice(payload: string | undefined): RowNotice | undefined {
  const [from, kind, ids] = (payload ?? "").split("|");
  if (!from || (kind !== "g" && kind !== "w") || ids === undefined || !/^\d+(,\d+)*$/.test(ids)) {
    return undefined;
  }
  return { from, kind, ids: ids.split(",").map(BigInt) };
}

export interface RowFeed {
  close(): Promise<void>;
}

/**
 * Listens for every instance's notices on `url` (this one's too) and hands them to `onNotice`
 * one at a time, in the order Postgres delivered them. Errors of `onNotice` go to `onError`.
 */
export async function followRows(
  url: string,
  onNotice: (n: RowNotice) => Promise<void>,
  onError: (e: unknown) => void,
): Promise<RowFeed> {
  const pg = await import("pg");
  const client = new pg.default.Client({ connectionString: url });
  await client.connect();
  let chain = Promise.resolve();
  client.on("notification", (msg) => {
    const notice = parseNotice(msg.payload);
    if (notice === undefined) return;
    chain = chain.then(() => onNotice(notice)).catch(onError);
  });
  client.on("error", onError);
  await client.query(`LISTEN ${ROW_CHANNEL}`);
  return {
    async close() {
      await chain;
      await client.end().catch(() => {});
    },
  };
}
