// The three clients under test, each with a random wallet and its own database file:
// ours (@x/mls + @x/api-grpc + @x/db SQLite), libxmtp 1.5.4 (@xmtp/node-bindings) and
// libxmtp 1.9.1 (@xmtp/node-sdk 5.5.0).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createGrpcApiClient } from "@x/api-grpc";
import type { XmtpDatabase } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import * as b154 from "@xmtp/node-bindings";
import { ApiUrls, Client as SdkClient } from "@xmtp/node-sdk";
import { hexToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

export type Identifier = { identifier: string; identifierKind: 0 };

export interface Wallet {
  privateKey: `0x${string}`;
  identifier: Identifier;
  signMessage(text: string): Promise<Uint8Array>;
}

export function randomWallet(privateKey: `0x${string}` = generatePrivateKey()): Wallet {
  const account = privateKeyToAccount(privateKey);
  return {
    privateKey,
    identifier: { identifier: account.address.toLowerCase(), identifierKind: 0 },
    signMessage: async (text) => hexToBytes(await account.signMessage({ message: text })),
  };
}

export class TempDir {
  readonly path = mkdtempSync(path.join(tmpdir(), "x-bench-"));
  private n = 0;
  file(name: string): string {
    return path.join(this.path, `${this.n++}-${name}`);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface Ours {
  client: Client;
  db: XmtpDatabase;
  wallet: Wallet;
  dbPath: string;
}

export async function createOurs(
  url: string,
  dbPath: string,
  wallet = randomWallet(),
): Promise<Ours> {
  // XMTP_BENCH_SYNCHRONOUS=full: measure with SQLite synchronous=FULL (@x/db's default is NORMAL,
  // as libxmtp's).
  const synchronous = process.env.XMTP_BENCH_SYNCHRONOUS === "full" ? "full" : undefined;
  const db = await openSqlite({ path: dbPath, synchronous });
  const client = await Client.create(privateKeyToAccount(wallet.privateKey), {
    api: createGrpcApiClient({ url, appVersion: "bench-ours" }),
    db,
  });
  return { client, db, wallet, dbPath };
}

export async function create154(url: string, dbPath: string, wallet = randomWallet()) {
  const dbKey = new Uint8Array(randomBytes(32));
  const identifier = wallet.identifier as unknown as b154.Identifier;
  const inboxId =
    (await b154.getInboxIdForIdentifier(url, false, identifier)) ??
    b154.generateInboxId(identifier);
  const client = await b154.createClient(
    url,
    false,
    dbPath,
    inboxId,
    identifier,
    dbKey,
    undefined,
    "disabled" as b154.SyncWorkerMode,
    { level: "off" as b154.LogLevel },
    false,
    false,
    "bench-1.5.4",
  );
  if (!client.isRegistered()) {
    const request = await client.createInboxSignatureRequest();
    if (request) {
      await request.addEcdsaSignature(await wallet.signMessage(await request.signatureText()));
      await client.registerIdentity(request);
    }
  }
  return { client, wallet, dbPath, dbKey };
}
export type Peer154 = Awaited<ReturnType<typeof create154>>;

export async function create191(url: string, dbPath: string, wallet = randomWallet()) {
  // node-sdk resolves the inbox id from its "local" URL, ignoring apiUrl.
  (ApiUrls as Record<string, string>).local = url;
  const dbKey = new Uint8Array(randomBytes(32));
  const client = await SdkClient.create(
    {
      type: "EOA",
      getIdentifier: () => wallet.identifier as never,
      signMessage: (text) => wallet.signMessage(text),
    },
    {
      env: "local",
      apiUrl: url,
      dbPath,
      dbEncryptionKey: dbKey,
      disableDeviceSync: true,
      appVersion: "bench-1.9.1",
    },
  );
  return { client, wallet, dbPath, dbKey };
}
export type Peer191 = Awaited<ReturnType<typeof create191>>;

export function textContent154(text: string): b154.EncodedContent {
  return {
    type: { authorityId: "xmtp.org", typeId: "text", versionMajor: 1, versionMinor: 0 },
    parameters: { encoding: "UTF-8" },
    content: new TextEncoder().encode(text),
  };
}

export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
