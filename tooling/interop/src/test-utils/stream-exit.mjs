// A whole process that streams and then stops: a node, two of our clients, three streams (ended
// with return(), end() and an AbortSignal), then the node is stopped and the databases closed.
// It prints a JSON report and must then exit by itself: a stream that left a socket, a timer or a
// listener behind would keep it alive.
//
// usage: node stream-exit.mjs <temp dir>
import path from "node:path";
import { createGrpcApiClient } from "@x/api-grpc";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { startNode } from "@x/node";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

const dir = process.argv[2];
const node = await startNode({ port: 0, webPort: null, db: path.join(dir, "exit-node.sqlite") });
const clients = [];
for (const name of ["exit-a", "exit-b"]) {
  const db = await openSqlite({ path: path.join(dir, `${name}.sqlite`) });
  const client = await Client.create(privateKeyToAccount(generatePrivateKey()), {
    api: createGrpcApiClient({ url: node.url }),
    db,
  });
  clients.push({ client, db });
}
const [a, b] = clients;
const group = await a.client.conversations.createGroup([b.client.inboxId]);
await b.client.conversations.sync();
const theirs = await b.client.conversations.getConversationById(group.id);

const received = [];
const controller = new AbortController();
const all = await b.client.conversations.streamAllMessages({ signal: controller.signal });
const one = await theirs.stream();
const convs = await b.client.conversations.stream();
const reader = (async () => {
  for await (const m of one) {
    if (m.contentType?.typeId === "text") received.push(String(m.content));
    if (received.length === 2) break; // for-await calls return()
  }
})();
await group.sendText("one");
await group.sendText("two");
await reader;
controller.abort();
await convs.end();
await all.done;
await node.stop();
for (const c of clients) await c.db.close();
process.stdout.write(
  `${JSON.stringify({ received, done: [one.isDone, all.isDone, convs.isDone], endedAt: Date.now() })}\n`,
);
