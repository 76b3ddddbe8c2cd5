// @x/db: the client's storage. Schema, migrations, the stores @x/mls uses and the MLS state
// store, over any kysely instance. Drivers are in "@x/db/sqlite" and "@x/db/postgres".
export { type OpenDatabaseOptions, openDatabase, XmtpDatabase } from "./db.js";
export * from "./errors.js";
export type * from "./interfaces.js";
export {
  appliedMigrations,
  MIGRATION_NAMES,
  migrateTo,
  migrateToLatest,
  type SqlDialect,
} from "./migrations/index.js";
export type { Database } from "./schema.js";
export { createStores, MLS_STATE_FORMAT_VERSION, type StoreContext } from "./stores/index.js";
export * from "./types.js";
