// @x/db/browser: the client database in a web page. SQLite (wa-sqlite's SQLite3MultipleCiphers
// build) runs in a dedicated worker and keeps its file in the origin private file system (OPFS),
// encrypted when a key is given. The worker's source, wasm included, is a string in this package
// (dist/browser/worker-source.js): it starts from a Blob URL, so the app's bundler needs no
// configuration, and it is loaded with a dynamic import, so bundlers put it in its own chunk.
/// <reference lib="dom" />
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from "kysely";
import { openDatabase, type XmtpDatabase } from "./db.js";
import { DatabaseKeyError, DatabaseOpenError, DbInputError } from "./errors.js";
import type { Database } from "./schema.js";
import { hex } from "./values.js";

export type BrowserStorage = "opfs" | "indexeddb" | "memory";

export interface BrowserDatabaseOptions {
  /** The database's file name in the origin's OPFS, e.g. "xmtp-production-<inbox id>.db3". */
  name: string;
  /** 32 raw key bytes: the file is encrypted (SQLCipher's format, as @x/db/sqlite writes it). */
  encryptionKey?: Uint8Array;
  /**
   * Where the pages live. "auto" (default): OPFS where the browser has it, else memory.
   * "memory" lasts as long as the page. "indexeddb" is not available yet.
   */
  storage?: "auto" | BrowserStorage;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
}

interface WorkerReply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { message: string; code: string | null };
}

class WorkerError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = "SqliteError";
  }
}

/** One worker, one SQLite connection; requests are answered in order. */
class SqliteWorker {
  #next = 1;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(readonly worker: Worker) {
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else
        waiter.reject(new WorkerError(reply.error?.message ?? "failed", reply.error?.code ?? null));
    };
    worker.onerror = (event) => {
      const err = new DatabaseOpenError(`the database worker failed: ${event.message}`);
      for (const waiter of this.#pending.values()) waiter.reject(err);
      this.#pending.clear();
    };
  }

  call<T>(op: string, args: unknown): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  terminate() {
    this.worker.terminate();
  }
}

interface RunResult {
  rows: Record<string, unknown>[];
  changes: number;
  lastInsertRowid: bigint;
}

class WorkerConnection implements DatabaseConnection {
  constructor(readonly sqlite: SqliteWorker) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.sqlite.call<RunResult>("run", {
      sql: query.sql,
      params: [...query.parameters],
    });
    const isSelect = r.rows.length > 0 || /^\s*(select|with|pragma)/i.test(query.sql);
    return {
      rows: r.rows as R[],
      ...(isSelect ? {} : { numAffectedRows: BigInt(r.changes), insertId: r.lastInsertRowid }),
    };
  }

  // biome-ignore lint/correctness/useYield: kysely's stream API, which @x/db never uses
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported by @x/db/browser");
  }
}

/** One connection, handed to one kysely user at a time (as kysely's own SQLite driver does). */
class WorkerDriver implements Driver {
  readonly #connection: WorkerConnection;
  #queue: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(readonly sqlite: SqliteWorker) {
    this.#connection = new WorkerConnection(sqlite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    this.#release = release;
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // Take the write lock up front, so a writer in another tab waits instead of failing later.
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  async destroy(): Promise<void> {
    try {
      await this.sqlite.call("close", null);
    } finally {
      this.sqlite.terminate();
    }
  }
}

const storageOf = new WeakMap<XmtpDatabase, BrowserStorage>();

/** Where a database opened by openBrowserDatabase keeps its pages (undefined for any other). */
export function browserStorageOf(db: XmtpDatabase): BrowserStorage | undefined {
  return storageOf.get(db);
}

/** Opens (creating if needed) the client database in this browser, migrated to the latest schema. */
export async function openBrowserDatabase(options: BrowserDatabaseOptions): Promise<XmtpDatabase> {
  if (
    typeof options?.name !== "string" ||
    options.name.length === 0 ||
    options.name.includes("/")
  ) {
    throw new DbInputError("name must be a non-empty file name (no '/')");
  }
  const key = options.encryptionKey;
  if (key !== undefined && (!(key instanceof Uint8Array) || key.length !== 32)) {
    throw new DbInputError("encryptionKey must be exactly 32 bytes");
  }
  const storage = options.storage ?? "auto";
  if (!["auto", "opfs", "memory", "indexeddb"].includes(storage)) {
    throw new DbInputError('storage must be "auto", "opfs", "indexeddb" or "memory"');
  }
  if (storage === "indexeddb") {
    throw new DbInputError('storage "indexeddb" is not available yet: use "opfs" or "memory"');
  }
  if (typeof Worker === "undefined" || typeof Blob === "undefined") {
    throw new DatabaseOpenError("@x/db/browser needs Web Workers (a page or a worker, not Node)");
  }
  // One tab of the origin holds a database at a time (OPFSCoopSyncVFS's hand-over of the file
  // between connections failed in our tests): a second tab gets a typed error, not a broken file.
  const releaseOwnership = storage === "memory" ? () => {} : await takeOwnership(options.name);
  const { default: source } = await import("./browser/worker-source.js");
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const sqlite = new SqliteWorker(new Worker(url, { type: "module", name: "x-db" }));
  URL.revokeObjectURL(url);
  let opened: { storage: BrowserStorage };
  try {
    opened = await sqlite.call("open", {
      name: options.name,
      key: key ? hex(key) : undefined,
      storage,
    });
  } catch (err) {
    sqlite.terminate();
    releaseOwnership();
    if ((err as WorkerError).code === "SQLITE_NOTADB")
      throw new DatabaseKeyError(options.name, err);
    throw new DatabaseOpenError(`cannot open ${options.name}: ${(err as Error).message}`, err);
  }
  const kysely = new Kysely<Database>({ dialect: workerDialect(sqlite) });
  try {
    const db = await openDatabase(
      kysely,
      { dialect: "sqlite", migrate: options.migrate },
      async () => releaseOwnership(),
    );
    storageOf.set(db, opened.storage);
    return db;
  } catch (err) {
    await kysely.destroy();
    releaseOwnership();
    throw err;
  }
}

/** Holds the database's Web Lock until the returned function is called. */
async function takeOwnership(name: string): Promise<() => void> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return () => {};
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const taken = await new Promise<boolean>((resolve) => {
    void locks.request(`x-db:${name}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      return lock ? held : undefined;
    });
  });
  if (!taken) {
    throw new DatabaseOpenError(
      `${name} is open in another tab or window of this origin; close it there first ` +
        "(one tab at a time holds a database)",
    );
  }
  return release;
}

function workerDialect(sqlite: SqliteWorker): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new WorkerDriver(sqlite),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
