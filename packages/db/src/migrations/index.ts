// Forward-only migrations, from a static list (no filesystem scan, so the package bundles).
// Names sort in the order they run; kysely records each applied name and never runs it again.
import type { Kysely } from "kysely";
import { type Migration, type MigrationResultSet, Migrator } from "kysely";
import { DbMigrationError } from "../errors.js";
import * as m0001 from "./0001-core.js";
import * as m0002 from "./0002-identity-consent.js";
import * as m0003 from "./0003-commit-log-tasks.js";
import * as m0004 from "./0004-leave-deletions.js";
import * as m0005 from "./0005-device-sync.js";
import type { SqlDialect } from "./columns.js";

export type { SqlDialect } from "./columns.js";

// biome-ignore lint/suspicious/noExplicitAny: migrations work on whatever schema the database has.
type AnyKysely = Kysely<any>;
type Up = (db: AnyKysely, dialect: SqlDialect) => Promise<void>;

const MIGRATIONS: ReadonlyArray<readonly [string, Up]> = [
  ["0001_core", m0001.up],
  ["0002_identity_consent", m0002.up],
  ["0003_commit_log_tasks", m0003.up],
  ["0004_leave_deletions", m0004.up],
  ["0005_device_sync", m0005.up],
];

/** The migration names in order; the last one is the schema this build writes. */
export const MIGRATION_NAMES: readonly string[] = MIGRATIONS.map(([name]) => name);

function migrator(db: AnyKysely, dialect: SqlDialect): Migrator {
  const migrations: Record<string, Migration> = {};
  for (const [name, up] of MIGRATIONS) {
    migrations[name] = { up: (d) => up(d, dialect) };
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: "x_migrations",
    migrationLockTableName: "x_migrations_lock",
  });
}

function check(result: MigrationResultSet): string[] {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === "Error")?.migrationName;
    throw new DbMigrationError(
      `database migration ${failed ?? "(before the first migration)"} failed; the database is left at the last migration that succeeded`,
      result.error,
    );
  }
  return (result.results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Runs every migration not yet applied, in order. Returns the names it ran (empty if none). */
export async function migrateToLatest(db: AnyKysely, dialect: SqlDialect): Promise<string[]> {
  return check(await migrator(db, dialect).migrateToLatest());
}

/** Migrates up to and including `name` (tests build databases at older schemas with this). */
export async function migrateTo(
  db: AnyKysely,
  dialect: SqlDialect,
  name: string,
): Promise<string[]> {
  if (!MIGRATION_NAMES.includes(name)) {
    throw new DbMigrationError(`unknown migration ${name}; known: ${MIGRATION_NAMES.join(", ")}`);
  }
  return check(await migrator(db, dialect).migrateTo(name));
}

/** The names of the migrations applied to this database, in order. */
export async function appliedMigrations(db: AnyKysely, dialect: SqlDialect): Promise<string[]> {
  const all = await migrator(db, dialect).getMigrations();
  return all.filter((m) => m.executedAt !== undefined).map((m) => m.name);
}
