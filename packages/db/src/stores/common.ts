import type { Kysely } from "kysely";
import { translateDriverError } from "../errors.js";
import type { SqlDialect } from "../migrations/columns.js";
import type { Database } from "../schema.js";

/** What every store is built from: a connection or transaction, and its dialect. */
export interface StoreContext {
  db: Kysely<Database>;
  dialect: SqlDialect;
}

/** Runs a query, turning driver errors we understand into typed ones. */
export async function q<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateDriverError(err);
  }
}

/** Rows changed by an update or delete result. */
export function changed(result: { numUpdatedRows?: bigint; numDeletedRows?: bigint }): number {
  return Number(result.numUpdatedRows ?? result.numDeletedRows ?? 0n);
}
