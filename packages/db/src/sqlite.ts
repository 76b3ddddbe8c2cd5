// @x/db/sqlite: SQLite through one native driver, better-sqlite3-multiple-ciphers. It opens plain
// files when no key is given and SQLCipher-compatible encrypted ones when a key is, so a user
// builds one native module for both. It is loaded on the first open: an application that imports
// only "@x/db" (another dialect) never needs it.
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  Kysely,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDriver,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type SqliteStatement,
  sql,
} from "kysely";
import { openDatabase, type XmtpDatabase } from "./db.js";
import { DatabaseKeyError, DatabaseOpenError, DbInputError } from "./errors.js";
import type { Database } from "./schema.js";
import { hex } from "./values.js";

export interface SqliteOptions {
  /** A file path, or ":memory:" for a database that lives as long as the connection (tests). */
  path: string;
  /**
   * 32 raw key bytes: the file is encrypted with SQLCipher's format (cipher 'sqlcipher').
   * Without a key, the file is plain SQLite.
   */
  encryptionKey?: Uint8Array;
  /** How long a write waits for another connection's lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
  /**
   * "normal" (default, as libxmtp) syncs the WAL at checkpoints only: every committed transaction
   * survives a killed process, and the last ones may be lost (atomically) on power loss.
   * "full" syncs the WAL on every commit, so commits survive power loss too, at a cost per write.
   */
  synchronous?: "full" | "normal";
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
}

/** The part of the better-sqlite3 API (which the cipher build shares) that we use. */
interface RawSqlite extends SqliteDatabase {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  defaultSafeIntegers(on: boolean): unknown;
}
type RawSqliteConstructor = new (path: string) => RawSqlite;

const DRIVER = "better-sqlite3-multiple-ciphers";

let driver: Promise<RawSqliteConstructor> | undefined;

function loadDriver(): Promise<RawSqliteConstructor> {
  driver ??= import(DRIVER).then(
    (mod: { default: RawSqliteConstructor }) => mod.default,
    (err: unknown) => {
      driver = undefined;
      throw new DatabaseOpenError(
        `cannot load the SQLite driver "${DRIVER}"; install it next to @x/db ` +
          `(npm install ${DRIVER}@12; version 13 needs Node 22)`,
        err,
      );
    },
  );
  return driver;
}

function isNotADatabase(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_NOTADB";
}

/**
 * SQLite's default BEGIN is deferred: a read that later wants to write can fail with BUSY
 * without waiting. BEGIN IMMEDIATE takes the write lock up front, so a writer waits (up to the
 * busy timeout) for another process's writer instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** Compiled statements kept per connection (least recently used out). */
const KEPT_STATEMENTS = 256;

/**
 * kysely prepares every query it runs, and better-sqlite3 compiles the SQL on each prepare:
 * about a third of a small query's time. Statements are kept by their SQL text and reused
 * (better-sqlite3 statements are reusable; one that is still iterating is not handed out).
 */
function keepStatements(raw: SqliteDatabase): SqliteDatabase {
  const kept = new Map<string, SqliteStatement>();
  return {
    close: () => raw.close(),
    prepare(sql) {
      const hit = kept.get(sql);
      kept.delete(sql);
      const stmt = hit !== undefined && !isBusy(hit) ? hit : raw.prepare(sql);
      kept.set(sql, stmt);
      if (kept.size > KEPT_STATEMENTS) {
        const oldest = kept.keys().next().value;
        if (oldest !== undefined) kept.delete(oldest);
      }
      return stmt;
    },
  };
}

const isBusy = (stmt: SqliteStatement) => (stmt as { busy?: boolean }).busy === true;

function sqliteDialect(database: SqliteDatabase): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ImmediateSqliteDriver({ database: keepStatements(database) }),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

/** Opens (creating if needed) a SQLite client database and migrates it to the latest schema. */
export async function openSqlite(options: SqliteOptions): Promise<XmtpDatabase> {
  if (typeof options?.path !== "string" || options.path.length === 0) {
    throw new DbInputError("path must be a file path or ':memory:'");
  }
  const key = options.encryptionKey;
  if (key !== undefined && (!(key instanceof Uint8Array) || key.length !== 32)) {
    throw new DbInputError("encryptionKey must be exactly 32 bytes");
  }
  if (key !== undefined && options.path === ":memory:") {
    throw new DbInputError(
      "encryptionKey needs a file path: an in-memory database is never on disk",
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new DbInputError("busyTimeoutMs must be a non-negative integer");
  }
  const synchronous = options.synchronous ?? "normal";
  if (synchronous !== "full" && synchronous !== "normal") {
    throw new DbInputError('synchronous must be "full" or "normal"');
  }

  const keyCopy = key?.slice();
  const connect = () => connectSqlite(options.path, keyCopy, busyTimeoutMs, synchronous);
  const kysely = await connect();
  try {
    // An in-memory database lives as long as its connection: it cannot be released and reopened.
    const reopen = options.path === ":memory:" ? undefined : connect;
    return await openDatabase(
      kysely,
      { dialect: "sqlite", migrate: options.migrate },
      undefined,
      reopen,
    );
  } catch (err) {
    await kysely.destroy();
    throw err;
  }
}

async function connectSqlite(
  path: string,
  key: Uint8Array | undefined,
  busyTimeoutMs: number,
  synchronous: "full" | "normal",
): Promise<Kysely<Database>> {
  const Driver = await loadDriver();
  let raw: RawSqlite;
  try {
    raw = new Driver(path);
  } catch (err) {
    throw new DatabaseOpenError(`cannot open ${path}: ${(err as Error).message}`, err);
  }
  try {
    if (key) {
      raw.pragma("cipher = 'sqlcipher'");
      raw.pragma("legacy = 4");
      // A raw 32-byte key, no passphrase derivation.
      raw.pragma(`key = "x'${hex(key)}'"`);
    }
    // The first read of the file tells whether the key (or its absence) fits.
    raw.pragma("schema_version", { simple: true });
    if (path !== ":memory:") raw.pragma("journal_mode = WAL");
    raw.pragma(`busy_timeout = ${busyTimeoutMs}`);
    raw.pragma(`synchronous = ${synchronous}`);
    // Every integer comes back as a bigint: nanosecond times do not fit in a double.
    raw.defaultSafeIntegers(true);
  } catch (err) {
    raw.close();
    if (isNotADatabase(err)) throw new DatabaseKeyError(path, err);
    throw new DatabaseOpenError(`cannot open ${path}: ${(err as Error).message}`, err);
  }
  return new Kysely<Database>({ dialect: sqliteDialect(raw) });
}

/** Runs SQLite's integrity check; returns [] when the database is sound, else the problems. */
export async function integrityCheck(db: XmtpDatabase): Promise<string[]> {
  const result = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db.kysely);
  const lines = result.rows.map((r) => r.integrity_check);
  return lines.length === 1 && lines[0] === "ok" ? [] : lines;
}
