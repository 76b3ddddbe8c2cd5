// The client database: every store over one kysely instance, transactions that span stores,
// and migrations run on open.
import type { Kysely, Transaction } from "kysely";
import { DbClosedError, translateDriverError } from "./errors.js";
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
  readonly mls;
  #closed = false;
  #onClose: (() => Promise<void>) | undefined;

  constructor(
    /** The underlying kysely instance, for queries the stores do not cover. */
    readonly kysely: Kysely<Database>,
    readonly dialect: SqlDialect,
    onClose?: () => Promise<void>,
  ) {
    const s = createStores({ db: kysely, dialect });
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
    this.mls = s.mls;
    this.#onClose = onClose;
  }

  async transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T> {
    if (this.#closed) throw new DbClosedError();
    try {
      return await this.kysely.transaction().execute((trx: Transaction<Database>) => {
        const stores = createStores({ db: trx, dialect: this.dialect });
        return fn(joinable(stores));
      });
    } catch (err) {
      throw translateDriverError(err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.kysely.destroy();
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
): Promise<XmtpDatabase> {
  if (options.migrate !== false) {
    await migrateToLatest(db, options.dialect);
  }
  return new XmtpDatabase(db, options.dialect, onClose);
}
