// One run of a libxmtp 1.5.4 client in its own process, for restart tests: opens (or creates and
// registers) the client on the given database, syncs, reads the DM with `peerInboxId`, optionally
// sends a text there, and prints what it saw as JSON on stdout.
//
// usage: node peer-154.mjs '{"url","dbPath","dbKeyHex","privateKey","peerInboxId"?,"send"?}'
import { createLibxmtp154, randomWallet, textContent154 } from "@x/testing/libxmtp";

const input = JSON.parse(process.argv[2]);
const { client, registeredBefore } = await createLibxmtp154(input.url, input.dbPath, {
  wallet: randomWallet(input.privateKey),
  dbKey: Buffer.from(input.dbKeyHex, "hex"),
  appVersion: "interop-restart",
});
await client.conversations().syncAllConversations();
let messages = [];
if (input.peerInboxId) {
  const dm = client.conversations().findDmByTargetInboxId(input.peerInboxId);
  await dm.sync();
  if (input.send) {
    await dm.send(textContent154(input.send));
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
