// What the Node entry needs from Node itself: the SQLite file (better-sqlite3), the directory it
// lives in, and gRPC over HTTP/2. The browser entry swaps this module for platform-browser.ts
// (package.json "imports" #platform, "browser" condition), so a page never pulls node:*.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { XmtpApiClient } from "@x/api";
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import type { ClientDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";

export const PLATFORM = "node";

/** The v3 node (gRPC) of each environment. */
export const platformApiUrls = {
  local: "http://127.0.0.1:5556",
  dev: "https://grpc.dev.xmtp.network:443",
  production: "https://grpc.production.xmtp.network:443",
} as const;

/** node-sdk's default file: `xmtp-${env}-${inboxId}.db3` in the current directory. */
export function platformDefaultDbName(env: string, inboxId: string): string {
  return path.resolve(`xmtp-${env}-${inboxId}.db3`);
}

export function platformTransport(url: string, appVersion: string): XmtpApiClient {
  return createGrpcApiClient({ url, appVersion });
}

export function platformD14nTransport(gatewayUrl: string, appVersion: string): XmtpApiClient {
  return createD14nApiClient({ gatewayUrl, appVersion });
}

/** Opens the SQLite file `name` (its directory made), or a database in memory (null). */
export async function platformOpenDb(
  name: string | null,
  encryptionKey: Uint8Array | undefined,
): Promise<{ db: ClientDatabase; where: string }> {
  const file = name ?? ":memory:";
  if (file !== ":memory:") mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = await openSqlite({
    path: file,
    ...(encryptionKey === undefined ? {} : { encryptionKey }),
  });
  return { db, where: file === ":memory:" ? "the in-memory database" : `the database ${file}` };
}
