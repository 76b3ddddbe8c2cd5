// One run of a libxmtp 1.5.4 client in its own process, for restart tests: opens (or creates and
// registers) the client on the given database, syncs, reads the DM with `peerInboxId`, optionally
// sends a text there, and prints what it saw as JSON on stdout.
//
// usage: node peer-154.mjs '{"url","dbPath","dbKeyHex","privateKey","peerInboxId"?,"send"?}'
import * as xmtp from "@xmtp/node-bindings";
import { hexToBytes } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const input = JSON.parse(process.argv[2]);
const account = privateKeyToAccount(input.privateKey);
const identifier = { identifier: account.address.toLowerCase(), identifierKind: 0 };
const inboxId =
  (await xmtp.getInboxIdForIdentifier(input.url, false, identifier)) ??
  xmtp.generateInboxId(identifier);
const client = await xmtp.createClient(
  input.url,
  false,
  input.dbPath,
  inboxId,
  identifier,
  Buffer.from(input.dbKeyHex, "hex"),
  undefined,
  "disabled",
  { level: "off" },
  false,
  false,
  "interop-restart",
);
const registeredBefore = client.isRegistered();
if (!registeredBefore) {
  const request = await client.createInboxSignatureRequest();
  await request.addEcdsaSignature(
    hexToBytes(await account.signMessage({ message: await request.signatureText() })),
  );
  await client.registerIdentity(request);
}
await client.conversations().syncAllConversations();
let messages = [];
if (input.peerInboxId) {
  const dm = client.conversations().findDmByTargetInboxId(input.peerInboxId);
  await dm.sync();
  if (input.send) {
    await dm.send({
      type: { authorityId: "xmtp.org", typeId: "text", versionMajor: 1, versionMinor: 0 },
      parameters: { encoding: "UTF-8" },
      content: new TextEncoder().encode(input.send),
    });
  }
  messages = (await dm.findMessages()).filter((m) => m.content.type?.typeId === "text");
}
process.stdout.write(
  JSON.stringify({
    inboxId: client.inboxId(),
    installationId: client.installationId(),
    registeredBefore,
    texts: messages.map((m) => new TextDecoder().decode(m.content.content)),
    ids: messages.map((m) => m.id),
  }),
);
process.exit(0);
