// A real libxmtp 1.5.4 client (@xmtp/node-bindings) for the demo: random wallet, encrypted
// database in the demo's directory, registered on the demo's node.
import { randomBytes } from "node:crypto";
import path from "node:path";
import * as libxmtp from "@xmtp/node-bindings";
import { hexToBytes } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

export interface LibxmtpPeer {
  client: libxmtp.Client;
  address: string;
}

export async function libxmtpPeer(url: string, dir: string): Promise<LibxmtpPeer> {
  const account = privateKeyToAccount(generatePrivateKey());
  const address = account.address.toLowerCase();
  // identifierKind 0 = Ethereum
  const identifier = { identifier: address, identifierKind: 0 } as unknown as libxmtp.Identifier;
  const inboxId =
    (await libxmtp.getInboxIdForIdentifier(url, false, identifier)) ??
    libxmtp.generateInboxId(identifier);
  const client = await libxmtp.createClient(
    url,
    false, // not TLS: the local node speaks cleartext HTTP/2
    path.join(dir, `libxmtp-${address}.db3`),
    inboxId,
    identifier,
    new Uint8Array(randomBytes(32)),
    undefined,
    "disabled" as libxmtp.SyncWorkerMode, // no device sync (not in @x/mls yet)
    { level: "off" as libxmtp.LogLevel },
    false,
    false,
    "x-demo",
  );
  if (!client.isRegistered()) {
    const request = await client.createInboxSignatureRequest();
    if (request) {
      const text = await request.signatureText();
      await request.addEcdsaSignature(hexToBytes(await account.signMessage({ message: text })));
      await client.registerIdentity(request);
    }
  }
  return { client, address: account.address };
}

export function textContent(text: string): libxmtp.EncodedContent {
  return {
    type: { authorityId: "xmtp.org", typeId: "text", versionMajor: 1, versionMinor: 0 },
    parameters: { encoding: "UTF-8" },
    content: new TextEncoder().encode(text),
  };
}

/** The texts of a libxmtp conversation, oldest first. */
export async function libxmtpTexts(conversation: libxmtp.Conversation): Promise<string[]> {
  const messages = await conversation.findMessages();
  return messages
    .filter((m) => m.content.type?.typeId === "text")
    .map((m) => new TextDecoder().decode(m.content.content));
}
