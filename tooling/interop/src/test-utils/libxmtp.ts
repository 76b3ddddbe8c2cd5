// Real libxmtp peers for the interop tests: libxmtp 1.5.4 through @xmtp/node-bindings, libxmtp
// 1.9.1 through @xmtp/node-sdk 5.5.0 (made by @x/testing/libxmtp). Each client gets a random
// wallet, a random database key and a database file in the test's temp dir.

import {
  createLibxmtp154,
  createLibxmtp191,
  eventually,
  type Libxmtp154,
  randomWallet,
  TempDir,
  textContent154,
  texts154,
  type Wallet,
} from "@x/testing/libxmtp";
import type { Client as SdkClient } from "@xmtp/node-sdk";

export type { Identifier, Wallet } from "@x/testing/libxmtp";
export { eventually, randomWallet, TempDir, texts154 };
export const textContent = textContent154;
export type Peer154 = Libxmtp154;

// --- libxmtp 1.5.4 (@xmtp/node-bindings) ---

/** Creates (or, with the same dbPath and key, reopens) a libxmtp 1.5.4 client and registers it. */
export function peer154(
  url: string,
  dir: TempDir,
  wallet = randomWallet(),
  db: { dbPath?: string; dbKey?: Uint8Array } = {},
): Promise<Peer154> {
  const dbPath = db.dbPath ?? dir.file(`154-${wallet.identifier.identifier}.db3`);
  return createLibxmtp154(url, dbPath, { wallet, dbKey: db.dbKey, appVersion: "interop-1.5.4" });
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

/** Waits until a 1.9.1 conversation holds `text`; returns its texts then. */
export function untilText191(
  conversation: SdkConversation,
  text: string,
  what = `"${text}"`,
): Promise<string[]> {
  return eventually(async () => {
    const texts = await texts191(conversation);
    return texts.includes(text) ? texts : undefined;
  }, what);
}

/** A libxmtp 1.9.1 client; with `gatewayHost` on d14n only (`url` is then never contacted). */
export async function peer191(
  url: string,
  dir: TempDir,
  wallet: Wallet = randomWallet(),
  options: { gatewayHost?: string } = {},
): Promise<SdkClient> {
  const dbPath = dir.file(`191-${wallet.identifier.identifier}.db3`);
  return (await createLibxmtp191(url, dbPath, { wallet, appVersion: "interop-1.9.1", ...options }))
    .client;
}
