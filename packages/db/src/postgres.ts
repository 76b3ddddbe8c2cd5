// @x/db/postgres: the same schema and stores on PostgreSQL through pg.
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { openDatabase, type XmtpDatabase } from "./db.js";
import { DbInputError } from "./errors.js";
import type { Database } from "./schema.js";

export interface PostgresOptions {
  /** e.g. postgres://user@127.0.0.1:5432/db */
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
}

const INT8_OID = 20;

// pg returns int8 as a string by default; the stores want bigint. Set per pool, not globally.
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID && format !== "binary") return (v: string) => BigInt(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export async function openPostgres(options: PostgresOptions): Promise<XmtpDatabase> {
  if (typeof options?.connectionString !== "string" || options.connectionString.length === 0) {
    throw new DbInputError("connectionString is required");
  }
  const connect = async () => {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      types: types as unknown as pg.CustomTypesConfig,
    });
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  };
  const kysely = await connect();
  try {
    return await openDatabase(
      kysely,
      { dialect: "postgres", migrate: options.migrate },
      undefined,
      connect,
    );
  } catch (err) {
    await kysely.destroy();
    throw err;
  }
}
