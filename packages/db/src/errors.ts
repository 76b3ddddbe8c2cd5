// Typed errors. Every error has a stable `code`; `retryable` says whether trying the same call
// again later can succeed.

export type DbErrorCode =
  | "db.invalid_input"
  | "db.conflict"
  | "db.not_found"
  | "db.busy"
  | "db.key"
  | "db.open"
  | "db.migration"
  | "db.mls_state_version"
  | "db.closed"
  | "db.released"
  | "db.query";

export class DbError extends Error {
  readonly code: DbErrorCode;
  readonly retryable: boolean;

  constructor(
    code: DbErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** A value passed to a store is malformed (wrong type, out of range, unknown enum). */
export class DbInputError extends DbError {
  constructor(message: string) {
    super("db.invalid_input", `${message}; nothing was written`);
  }
}

/** A row with the same key exists already. */
export class DbConflictError extends DbError {
  constructor(message: string, cause?: unknown) {
    super("db.conflict", message, { cause });
  }
}

/** An update named a row that does not exist. */
export class DbNotFoundError extends DbError {
  constructor(message: string) {
    super("db.not_found", message);
  }
}

/** Another connection held the database lock for longer than the busy timeout. */
export class DbBusyError extends DbError {
  constructor(cause: unknown) {
    super(
      "db.busy",
      "the database is locked by another connection (busy timeout exceeded); retry the operation",
      { cause, retryable: true },
    );
  }
}

/**
 * The encryption key does not open the database: it is wrong, missing, or the file is not an
 * encrypted database of ours.
 */
export class DatabaseKeyError extends DbError {
  constructor(path: string, cause?: unknown) {
    super(
      "db.key",
      `cannot open ${path}: the encryption key is wrong or missing, or the file is not a database. ` +
        "Open it with the 32-byte key it was created with",
      { cause },
    );
  }
}

/** The database could not be opened (driver missing, path unwritable, bad option). */
export class DatabaseOpenError extends DbError {
  constructor(message: string, cause?: unknown) {
    super("db.open", message, { cause });
  }
}

export class DbMigrationError extends DbError {
  constructor(message: string, cause?: unknown) {
    super("db.migration", message, { cause });
  }
}

/** Stored MLS state carries a version byte this build does not know. */
export class MlsStateVersionError extends DbError {
  constructor(found: number | undefined, expected: number) {
    super(
      "db.mls_state_version",
      found === undefined
        ? "stored MLS state is empty (no version byte)"
        : `stored MLS state has format version ${found}, this build reads version ${expected}; ` +
            "upgrade @x/db (or migrate the state) before opening this database",
    );
  }
}

export class DbClosedError extends DbError {
  constructor() {
    super("db.closed", "the database is closed; open it again");
  }
}

/** The connection was released (releaseConnection) and not reconnected yet. */
export class DbReleasedError extends DbError {
  constructor() {
    super(
      "db.released",
      "the database connection is released; call reconnect() (client.reconnectDb()) before using it",
      { retryable: true },
    );
  }
}

/** Maps a driver error to one of ours where we know what it means; otherwise returns it as is. */
export function translateDriverError(err: unknown): unknown {
  if (err instanceof DbError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  // SQLite: SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE; Postgres: 23505 unique_violation.
  if (
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "23505"
  ) {
    return new DbConflictError(`a row with this key exists already (${message})`, err);
  }
  if (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_") || code === "SQLITE_LOCKED") {
    return new DbBusyError(err);
  }
  return err;
}
