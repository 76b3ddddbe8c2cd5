// The client database: every store over one kysely instance, transactions that span stores,
// and migrations run on open.
import type { Kysely, Transaction } from "kysely";
import { DbClosedError, DbInputError, DbReleasedError, translateDriverError } from "./errors.js";
import type { ClientDatabase, Stores, TransactionScope } from "./interfaces.js";
import { migrateToLatest, type SqlDialect } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { createStores } from "./stores/index.js";

export interface OpenDatabaseOptions {
  /** The SQL dialect of `db` (column types differ slightly between them). */
  dialect: SqlDialect;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
}

/** A ClientDatabase over a kysely instance of any supported dialect. */
export class XmtpDatabase implements ClientDatabase {
  readonly identity;
  readonly groups;
  readonly messages;
  readonly intents;
  readonly cursors;
  readonly identityUpdates;
  readonly associationStates;
  readonly inboxIds;
  readonly keyPackageHistory;
  readonly consent;
  readonly preferences;
  readonly commitLog;
  readonly tasks;
  readonly pendingRemoves;
  readonly messageDeletions;
  readonly deviceSync;
  readonly mls;
  #kysely: Kysely<Database>;
  #state: "open" | "released" | "closed" = "open";
  #transactions = 0;
  #idle: (() => void)[] = [];
  readonly #onClose: (() => Promise<void>) | undefined;
  readonly #reopen: (() => Promise<Kysely<Database>>) | undefined;

  constructor(
    kysely: Kysely<Database>,
    readonly dialect: SqlDialect,
    onClose?: () => Promise<void>,
    /** Opens a new connection to the same database: makes releaseConnection() possible. */
    reopen?: () => Promise<Kysely<Database>>,
  ) {
    this.#kysely = kysely;
    // The stores read the connection on every query, so a reconnect swaps it under them.
    const self = this;
    const s = createStores({
      get db() {
        return self.kysely;
      },
      dialect,
    });
    this.identity = s.identity;
    this.groups = s.groups;
    this.messages = s.messages;
    this.intents = s.intents;
    this.cursors = s.cursors;
    this.identityUpdates = s.identityUpdates;
    this.associationStates = s.associationStates;
    this.inboxIds = s.inboxIds;
    this.keyPackageHistory = s.keyPackageHistory;
    this.consent = s.consent;
    this.preferences = s.preferences;
    this.commitLog = s.commitLog;
    this.tasks = s.tasks;
    this.pendingRemoves = s.pendingRemoves;
    this.messageDeletions = s.messageDeletions;
    this.deviceSync = s.deviceSync;
    this.mls = s.mls;
    this.#onClose = onClose;
    this.#reopen = reopen;
  }

  /** The underlying kysely instance, for queries the stores do not cover. */
  get kysely(): Kysely<Database> {
    if (this.#state === "released") throw new DbReleasedError();
    if (this.#state === "closed") throw new DbClosedError();
    return this.#kysely;
  }

  /** Whether releaseConnection() can be used (the database can be opened again). */
  get releasable(): boolean {
    return this.#reopen !== undefined;
  }

  get released(): boolean {
    return this.#state === "released";
  }

  async transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T> {
    const kysely = this.kysely;
    this.#transactions++;
    try {
      return await kysely.transaction().execute((trx: Transaction<Database>) => {
        const stores = createStores({ db: trx, dialect: this.dialect });
        return fn(joinable(stores));
      });
    } catch (err) {
      throw translateDriverError(err);
    } finally {
      this.#transactions--;
      if (this.#transactions === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  async releaseConnection(): Promise<void> {
    if (this.#reopen === undefined) {
      throw new DbInputError(
        "this database cannot be released: it was opened without a way to reopen it (an in-memory SQLite database, or a kysely instance passed in)",
      );
    }
    if (this.#state !== "open") return;
    this.#state = "released";
    if (this.#transactions > 0) await new Promise<void>((wake) => this.#idle.push(wake));
    await this.#kysely.destroy();
  }

  async reconnect(): Promise<void> {
    if (this.#state === "closed") throw new DbClosedError();
    if (this.#state === "open" || this.#reopen === undefined) return;
    this.#kysely = await this.#reopen();
    this.#state = "open";
  }

  async close(): Promise<void> {
    if (this.#state === "closed") return;
    const wasOpen = this.#state === "open";
    this.#state = "closed";
    if (this.#transactions > 0) await new Promise<void>((wake) => this.#idle.push(wake));
    if (wasOpen) await this.#kysely.destroy();
    await this.#onClose?.();
  }
}

/** Inside a transaction, `transaction()` on the stores joins the one already open. */
function joinable(stores: Stores): TransactionScope {
  const tx: TransactionScope = {
    ...stores,
    transaction: (fn) => fn(tx),
  };
  return tx;
}

/** Wraps a kysely instance (any dialect we support) and brings its schema up to date. */
export async function openDatabase(
  db: Kysely<Database>,
  options: OpenDatabaseOptions,
  onClose?: () => Promise<void>,
  reopen?: () => Promise<Kysely<Database>>,
): Promise<XmtpDatabase> {
  if (options.migrate !== false) {
    await migrateToLatest(db, options.dialect);
  }
  return new XmtpDatabase(db, options.dialect, onClose, reopen);
}
