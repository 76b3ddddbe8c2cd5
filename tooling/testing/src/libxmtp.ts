// Real libxmtp clients for tests, benchmarks and the demo, against a local node on cleartext HTTP/2:
// libxmtp 1.5.4 through @xmtp/node-bindings, libxmtp 1.9.1 through @xmtp/node-sdk 5.5.0. Each
// gets a wallet (viem), a database file and a random database key unless given one.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as bindings154 from "@xmtp/node-bindings";
import { ApiUrls, Client as SdkClient } from "@xmtp/node-sdk";
import { hexToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/** An Ethereum identifier (identifierKind 0), as both libxmtp versions take it. */
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

/** A temporary directory, removed by `remove()`. */
export class TempDir {
  readonly path: string;
  private n = 0;
  constructor(prefix = "x-test-") {
    this.path = mkdtempSync(path.join(tmpdir(), prefix));
  }
  /** The path of `name` in the directory (the same name gives the same path). */
  file(name: string): string {
    return path.join(this.path, name);
  }
  /** A path in the directory no other call returned: `name` behind a counter. */
  unique(name: string): string {
    return this.file(`${this.n++}-${name}`);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface LibxmtpOptions {
  wallet?: Wallet;
  /** The database key (32 bytes); random unless given, e.g. to reopen a database. */
  dbKey?: Uint8Array;
  /** Sent as the app version on every call. */
  appVersion: string;
  /**
   * libxmtp 1.9.1 only: the d14n gateway (e.g. @x/node's d14n URL). The client then talks to
   * the decentralized network only and never contacts `url`.
   */
  gatewayHost?: string;
  /**
   * libxmtp 1.9.1 only: run device sync (off by default in tests) with this history server; an
   * empty string runs it without one.
   */
  historySyncUrl?: string;
}

export interface Libxmtp154 {
  client: bindings154.Client;
  wallet: Wallet;
  dbPath: string;
  dbKey: Uint8Array;
  /** Whether the database already held a registered client. */
  registeredBefore: boolean;
}

/** Creates (or, with the same dbPath and key, reopens) a libxmtp 1.5.4 client and registers it. */
export async function createLibxmtp154(
  url: string,
  dbPath: string,
  options: LibxmtpOptions,
): Promise<Libxmtp154> {
  const wallet = options.wallet ?? randomWallet();
  const dbKey = options.dbKey ?? new Uint8Array(randomBytes(32));
  const identifier = wallet.identifier as unknown as bindings154.Identifier;
  const inboxId =
    (await bindings154.getInboxIdForIdentifier(url, false, identifier)) ??
    bindings154.generateInboxId(identifier);
  const client = await bindings154.createClient(
    url,
    false, // not TLS: the local node speaks cleartext HTTP/2
    dbPath,
    inboxId,
    identifier,
    dbKey,
    undefined,
    "disabled" as bindings154.SyncWorkerMode, // no device sync
    { level: "off" as bindings154.LogLevel },
    false,
    false,
    options.appVersion,
  );
  const registeredBefore = client.isRegistered();
  if (!registeredBefore) {
    const request = await client.createInboxSignatureRequest();
    if (request) {
      await request.addEcdsaSignature(await wallet.signMessage(await request.signatureText()));
      await client.registerIdentity(request);
    }
  }
  return { client, wallet, dbPath, dbKey, registeredBefore };
}

/**
 * node-sdk resolves the inbox id at Client.create from its "local" URL, ignoring apiUrl. Point
 * that URL at the test's node so every call reaches the node on its ephemeral port.
 */
export function useLocalNode(url: string): void {
  (ApiUrls as Record<string, string>).local = url;
}

export interface Libxmtp191 {
  client: SdkClient;
  wallet: Wallet;
  dbPath: string;
  dbKey: Uint8Array;
}

/** Creates a libxmtp 1.9.1 client (node-sdk registers it). */
export async function createLibxmtp191(
  url: string,
  dbPath: string,
  options: LibxmtpOptions,
): Promise<Libxmtp191> {
  const wallet = options.wallet ?? randomWallet();
  const dbKey = options.dbKey ?? new Uint8Array(randomBytes(32));
  useLocalNode(url);
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
      ...(options.historySyncUrl === undefined
        ? { disableDeviceSync: true }
        : {
            disableDeviceSync: false,
            historySyncUrl: options.historySyncUrl === "" ? null : options.historySyncUrl,
          }),
      appVersion: options.appVersion,
      ...(options.gatewayHost === undefined ? {} : { gatewayHost: options.gatewayHost }),
    },
  );
  return { client, wallet, dbPath, dbKey };
}

/** A text message as libxmtp 1.5.4's `send` takes it. */
export function textContent154(text: string): bindings154.EncodedContent {
  return {
    type: { authorityId: "xmtp.org", typeId: "text", versionMajor: 1, versionMinor: 0 },
    parameters: { encoding: "UTF-8" },
    content: new TextEncoder().encode(text),
  };
}

/** The texts of a 1.5.4 conversation's application messages, oldest first. */
export async function texts154(conversation: bindings154.Conversation): Promise<string[]> {
  const messages = await conversation.findMessages();
  return messages
    .filter((m) => m.content.type?.typeId === "text")
    .map((m) => new TextDecoder().decode(m.content.content));
}

/**
 * Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs` with
 * the last error `check` threw, if any.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  { timeoutMs = 20_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
