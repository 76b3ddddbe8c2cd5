// Real libxmtp peers for tests: libxmtp 1.5.4 through @xmtp/node-bindings, libxmtp 1.9.1 through
// @xmtp/node-sdk 5.5.0. Each client gets a random wallet (viem), a random database key and a
// database file in the test's temp dir.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as bindings154 from "@xmtp/node-bindings";
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
  readonly path = mkdtempSync(path.join(tmpdir(), "x-interop-"));
  file(name: string): string {
    return path.join(this.path, name);
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

// --- libxmtp 1.5.4 (@xmtp/node-bindings) ---

export interface Peer154 {
  client: bindings154.Client;
  wallet: Wallet;
  dbPath: string;
  dbKey: Uint8Array;
}

/** Creates (or, with the same dbPath and key, reopens) a libxmtp 1.5.4 client and registers it. */
export async function peer154(
  url: string,
  dir: TempDir,
  wallet = randomWallet(),
  db: { dbPath?: string; dbKey?: Uint8Array } = {},
): Promise<Peer154> {
  const dbPath = db.dbPath ?? dir.file(`154-${wallet.identifier.identifier}.db3`);
  const dbKey = db.dbKey ?? new Uint8Array(randomBytes(32));
  const identifier = wallet.identifier as unknown as bindings154.Identifier;
  const inboxId =
    (await bindings154.getInboxIdForIdentifier(url, false, identifier)) ??
    bindings154.generateInboxId(identifier);
  const client = await bindings154.createClient(
    url,
    false,
    dbPath,
    inboxId,
    identifier,
    dbKey,
    undefined,
    "disabled" as bindings154.SyncWorkerMode,
    { level: "off" as bindings154.LogLevel },
    false,
    false,
    "interop-1.5.4",
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

export function textContent(text: string): bindings154.EncodedContent {
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

// --- libxmtp 1.9.1 (@xmtp/node-sdk 5.5.0) ---

export type SdkConversation = NonNullable<
  Awaited<ReturnType<SdkClient["conversations"]["getConversationById"]>>
>;

/** Syncs a 1.9.1 conversation and returns the texts of its application messages, oldest first. */
export async function texts191(conversation: SdkConversation): Promise<string[]> {
  await conversation.sync();
  const messages = await conversation.messages();
  return messages.filter((m) => m.contentType?.typeId === "text").map((m) => String(m.content));
}

/**
 * node-sdk resolves the inbox id at Client.create from its "local" URL, ignoring apiUrl. Point
 * that URL at the test's node so every call reaches the node on its ephemeral port.
 */
export function useLocalNode(url: string): void {
  (ApiUrls as Record<string, string>).local = url;
}

export async function peer191(
  url: string,
  dir: TempDir,
  wallet = randomWallet(),
): Promise<SdkClient> {
  useLocalNode(url);
  return SdkClient.create(
    {
      type: "EOA",
      getIdentifier: () => wallet.identifier as never,
      signMessage: (text) => wallet.signMessage(text),
    },
    {
      env: "local",
      apiUrl: url,
      dbPath: dir.file(`191-${wallet.identifier.identifier}.db3`),
      dbEncryptionKey: new Uint8Array(randomBytes(32)),
      disableDeviceSync: true,
      appVersion: "interop-1.9.1",
    },
  );
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
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
    await new Promise((r) => setTimeout(r, 200));
  }
}
