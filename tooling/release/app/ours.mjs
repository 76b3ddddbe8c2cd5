// Our client as a user installs it: this file is copied into the release project (outside the
// workspace) and imports nothing but what npm installed there. The test drives it with one JSON
// command per stdin line and reads one JSON answer per stdout line.
import { createInterface } from "node:readline";
import { createGrpcApiClient } from "@x/api-grpc";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const [url, dbPath] = process.argv.slice(2);
const skipped = [];
const client = await Client.create(privateKeyToAccount(generatePrivateKey()), {
  api: createGrpcApiClient({ url, appVersion: "release-test" }),
  db: await openSqlite({ path: dbPath, encryptionKey: crypto.getRandomValues(new Uint8Array(32)) }),
  onSkipped: (error) => skipped.push(String(error?.message ?? error)),
});

async function conversation(id) {
  const found = await client.conversations.getConversationById(id);
  if (found === undefined) throw new Error(`no conversation ${id}`);
  return found;
}

async function texts(c) {
  const messages = await c.messages();
  return messages.filter((m) => m.contentType?.typeId === "text").map((m) => String(m.content));
}

async function describe(c) {
  await c.sync();
  return {
    id: c.id,
    name: await c.name(),
    epoch: String(await c.epoch()),
    active: await c.isActive(),
    members: (await c.members()).map((m) => m.inboxId).sort(),
    texts: await texts(c),
  };
}

const ops = {
  whoami: async () => ({ inboxId: client.inboxId, installationId: client.installationId }),
  syncAll: async () => {
    await client.conversations.syncAll();
    return (await client.conversations.list()).map((c) => c.id);
  },
  describe: async ({ id }) => describe(await conversation(id)),
  send: async ({ id, text }) => (await conversation(id)).sendText(text),
  rename: async ({ id, name }) => (await conversation(id)).updateName(name),
  add: async ({ id, inboxIds }) => (await conversation(id)).addMembers(inboxIds),
  remove: async ({ id, inboxIds }) => (await conversation(id)).removeMembers(inboxIds),
  createDm: async ({ inboxId }) => (await client.conversations.createDm(inboxId)).id,
  dmWith: async ({ inboxId }) => {
    await client.conversations.sync();
    const dm = await client.conversations.getDmByInboxId(inboxId);
    if (dm === undefined) throw new Error(`no DM with ${inboxId}`);
    return dm.id;
  },
  skipped: async () => skipped,
};

const reply = (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`);
reply({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  const { seq, op, args } = JSON.parse(line);
  try {
    const result = await ops[op](args ?? {});
    reply({ seq, ok: true, result: result ?? null });
  } catch (error) {
    reply({ seq, ok: false, error: `${error?.code ?? ""} ${error?.message ?? error}`.trim() });
  }
}
