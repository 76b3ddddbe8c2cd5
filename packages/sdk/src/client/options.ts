// Client options as node-sdk names them, checked before anything touches the network or the disk,
// and resolved to what @x/mls needs: the network (v3 node or d14n gateway), the history server,
// the database file and its key.

import type { XmtpApiClient } from "@x/api";
import type { ContentCodec } from "@x/content-types";
import { fromHex } from "@x/crypto";
import type { ClientDatabase } from "@x/db";
import type { ClientOptions as MlsClientOptions } from "@x/mls";
import { platformApiUrls, platformDefaultDbName } from "#platform";
import type { LogLevel } from "../enums.js";
import { invalidOption } from "../errors.js";
import type { Logger } from "./logger.js";

/**
 * The v3 node API of each environment (`local` is `x node` on this machine): gRPC on Node, the
 * gRPC-web endpoint (`x node`'s web port 5557 for local) in the browser entry.
 */
export const ApiUrls: {
  readonly local: string;
  readonly dev: string;
  readonly production: string;
} = platformApiUrls;

/** The history server (device sync archives) of each environment (`local`: `x node`'s). */
export const HistorySyncUrls = {
  local: "http://127.0.0.1:5558",
  dev: "https://message-history.dev.ephemera.network",
  production: "https://message-history.production.ephemera.network",
} as const;

export type XmtpEnv = keyof typeof ApiUrls;

/** Where a client (or a static function) talks to. */
export interface NetworkOptions {
  /** local, dev or production (default dev, as node-sdk). */
  env?: XmtpEnv;
  /** The v3 node's URL; overrides `env`'s. */
  apiUrl?: string;
  /** A d14n gateway (e.g. `x node`'s http://127.0.0.1:5050): selects the decentralized network. */
  gatewayHost?: string;
  /** Sent as x-app-version on every call. */
  appVersion?: string;
  /**
   * A transport made by the app (any @x/api XmtpApiClient): shared by several clients, or a
   * test double. Overrides env, apiUrl and gatewayHost (node-sdk 6's `backend`).
   */
  api?: XmtpApiClient;
}

export interface ClientOptions extends NetworkOptions {
  /**
   * The database file: a path, a function of the inbox id, or null for a database in memory.
   * Default `xmtp-${env}-${inboxId}.db3` in the current directory, as node-sdk.
   */
  dbPath?: string | null | ((inboxId: string) => string);
  /** 32 bytes (or 0x + 64 hex digits): the file is encrypted (SQLCipher format). */
  dbEncryptionKey?: Uint8Array | string;
  /** Any @x/db ClientDatabase instead of a SQLite file (e.g. @x/db/postgres). */
  db?: ClientDatabase;
  /** The history server for device sync (default by env; null: none). */
  historySyncUrl?: string | null;
  /** Extra content codecs (every built-in type is there already). */
  codecs?: ContentCodec<unknown>[];
  /** Do not register a new installation now: `client.register()` does it. */
  disableAutoRegister?: boolean;
  /** No device sync (sync group, history, consent sharing between installations). */
  disableDeviceSync?: boolean;
  /** The inbox-id nonce for a new inbox (default 1). */
  nonce?: bigint;
  /** What the SDK logs (default warn). */
  loggingLevel?: LogLevel | Capitalize<LogLevel>;
  /** Where the SDK logs (default console). */
  logger?: Logger;
  /**
   * Fail (SDK_NEW_INSTALLATION_REFUSED) instead of registering a new installation when the
   * database holds none and the inbox has installations already: for a bot whose database must
   * survive restarts, so a lost database never silently uses up the inbox's 10 installations.
   */
  refuseNewInstallation?: boolean;
  /** Told about every message or welcome @x/mls skipped (they are logged and emitted too). */
  onSkipped?: MlsClientOptions["onSkipped"];
  /** Background workers off (key-package rotation, disappearing messages, device sync). */
  disableWorkers?: boolean;
}

export type ResolvedNetwork =
  | { kind: "v3"; url: string; env: XmtpEnv }
  | { kind: "d14n"; gatewayUrl: string; env: XmtpEnv }
  | { kind: "custom"; api: XmtpApiClient; env: XmtpEnv };

const ENVS = Object.keys(ApiUrls) as XmtpEnv[];

function checkUrl(value: unknown, name: string): string {
  if (typeof value !== "string") throw invalidOption(`${name} must be a URL string`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidOption(
      `${name} ${JSON.stringify(value)} is not a URL (e.g. http://127.0.0.1:5556)`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw invalidOption(
      `${name} must start with http:// or https://, got ${JSON.stringify(value)}`,
    );
  }
  return value.replace(/\/+$/, "");
}

export function checkEnv(env: unknown): XmtpEnv {
  if (env === undefined) return "dev";
  if (typeof env === "string" && (ENVS as string[]).includes(env)) return env as XmtpEnv;
  throw invalidOption(
    `env must be "local", "dev" or "production", got ${JSON.stringify(env)}; for the decentralized network (testnet, mainnet) pass its gatewayHost`,
  );
}

/** The network of `options` (gatewayHost > api > apiUrl > env). */
export function resolveNetwork(options: NetworkOptions = {}): ResolvedNetwork {
  if (typeof options !== "object" || options === null) {
    throw invalidOption("the network options must be an object");
  }
  const env = checkEnv(options.env);
  if (options.appVersion !== undefined && typeof options.appVersion !== "string") {
    throw invalidOption("appVersion must be a string");
  }
  if (options.api !== undefined) {
    if (typeof options.api !== "object" || typeof options.api?.getInboxIds !== "function") {
      throw invalidOption("api must be an @x/api XmtpApiClient (e.g. createGrpcApiClient(...))");
    }
    return { kind: "custom", api: options.api, env };
  }
  if (options.gatewayHost !== undefined) {
    return { kind: "d14n", gatewayUrl: checkUrl(options.gatewayHost, "gatewayHost"), env };
  }
  if (options.apiUrl !== undefined) {
    return { kind: "v3", url: checkUrl(options.apiUrl, "apiUrl"), env };
  }
  return { kind: "v3", url: ApiUrls[env], env };
}

/** The history server: as given (null: none), else the environment's. */
export function resolveHistorySyncUrl(
  value: string | null | undefined,
  env: XmtpEnv,
): string | undefined {
  if (value === null) return undefined;
  if (value === undefined) return HistorySyncUrls[env];
  return checkUrl(value, "historySyncUrl");
}

/** What dbPath asks for: a file (known now, or once the inbox id is), or memory. */
export type DbLocation =
  | { kind: "memory" }
  | { kind: "file"; path: string }
  | { kind: "perInbox"; pathFor: (inboxId: string) => string }
  | { kind: "given"; db: ClientDatabase };

export function resolveDbLocation(options: ClientOptions, env: XmtpEnv): DbLocation {
  if (options.db !== undefined) {
    if (options.dbPath !== undefined) {
      throw invalidOption("give either db (a ClientDatabase) or dbPath, not both");
    }
    if (typeof options.db !== "object" || options.db === null || !("identity" in options.db)) {
      throw invalidOption("db must be an @x/db ClientDatabase (e.g. from openSqlite or Postgres)");
    }
    return { kind: "given", db: options.db };
  }
  const dbPath = options.dbPath;
  if (dbPath === null) return { kind: "memory" };
  if (dbPath === undefined) {
    return { kind: "perInbox", pathFor: (inboxId) => defaultDbPath(env, inboxId) };
  }
  if (typeof dbPath === "function") {
    return {
      kind: "perInbox",
      pathFor: (inboxId) => {
        const p = dbPath(inboxId);
        if (typeof p !== "string" || p.length === 0) {
          throw invalidOption(
            `dbPath(inboxId) must return a file path, got ${JSON.stringify(p)} for inbox ${inboxId}`,
          );
        }
        return p;
      },
    };
  }
  if (typeof dbPath !== "string" || dbPath.length === 0) {
    throw invalidOption(
      "dbPath must be a file path, a function (inboxId) => path, or null (in memory)",
    );
  }
  return { kind: "file", path: dbPath };
}

/** node-sdk's default file: `xmtp-${env}-${inboxId}.db3` in the current directory (browser: that name). */
export function defaultDbPath(env: XmtpEnv, inboxId: string): string {
  return platformDefaultDbName(env, inboxId);
}

/** The 32-byte key of dbEncryptionKey (bytes, or 0x + 64 hex digits), if any. */
export function parseDbEncryptionKey(key: unknown): Uint8Array | undefined {
  if (key === undefined) return undefined;
  if (key instanceof Uint8Array) {
    if (key.length !== 32) {
      throw invalidOption(`dbEncryptionKey must be 32 bytes, got ${key.length}`);
    }
    return key.slice();
  }
  if (typeof key === "string") {
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key)) {
      throw invalidOption(
        "dbEncryptionKey as a string must be 64 hex digits (32 bytes), 0x optional",
      );
    }
    return fromHex(key);
  }
  throw invalidOption("dbEncryptionKey must be a Uint8Array of 32 bytes or a hex string");
}

/** Checks the options that need no network, so mistakes fail before anything is opened. */
export function checkClientOptions(options: unknown): ClientOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw invalidOption("options must be an object");
  }
  const o = options as ClientOptions;
  for (const name of [
    "disableAutoRegister",
    "disableDeviceSync",
    "refuseNewInstallation",
    "disableWorkers",
  ] as const) {
    if (o[name] !== undefined && typeof o[name] !== "boolean") {
      throw invalidOption(`${name} must be a boolean`);
    }
  }
  if (o.nonce !== undefined && (typeof o.nonce !== "bigint" || o.nonce < 0n)) {
    throw invalidOption("nonce must be a non-negative bigint");
  }
  if (o.codecs !== undefined && !Array.isArray(o.codecs)) {
    throw invalidOption("codecs must be an array of ContentCodec");
  }
  if (o.onSkipped !== undefined && typeof o.onSkipped !== "function") {
    throw invalidOption("onSkipped must be a function");
  }
  if (o.db !== undefined && o.dbEncryptionKey !== undefined) {
    throw invalidOption("dbEncryptionKey applies to the SQLite file of dbPath, not to a given db");
  }
  return o;
}
