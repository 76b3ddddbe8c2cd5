// Column types per dialect. The schema is the same on every dialect; only the spelling of a few
// types differs (SQLite has BLOB, Postgres has BYTEA and SERIAL).
import type { ColumnDefinitionBuilder, CreateTableBuilder } from "kysely";

export type SqlDialect = "sqlite" | "postgres";

export interface ColumnTypes {
  bytes: "blob" | "bytea";
  real: "real" | "double precision";
}

export function columnTypes(dialect: SqlDialect): ColumnTypes {
  return dialect === "postgres"
    ? { bytes: "bytea", real: "double precision" }
    : { bytes: "blob", real: "real" };
}

/** Adds an auto-incremented integer primary key named `id`. */
export function withIdColumn<T extends string>(
  table: CreateTableBuilder<T, never>,
  dialect: SqlDialect,
): CreateTableBuilder<T, "id"> {
  return dialect === "postgres"
    ? table.addColumn("id", "serial", (c) => c.primaryKey())
    : table.addColumn("id", "integer", (c) => c.primaryKey());
}

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
