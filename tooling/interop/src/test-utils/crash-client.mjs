// One run of our client (@x/mls, built) in its own process, for crash tests: opens (or registers)
// the client on the given SQLite file and does one action. With `crash`, the process kills itself
// with SIGKILL just before (or just after) the n-th call of an API method, as a crash would.
//
// usage: node crash-client.mjs '{"url","network","dbPath","privateKey","action",...}'
//   network "d14n": `url` is the node's d14n listener (@x/api-d14n); default v3 (@x/api-grpc)
//   action "setup": create a group with `members`; prints {inboxId, groupId}
//   action "send": send `text` to `groupId`
//   action "add": add `members` to `groupId`
//   action "sync": sync `groupId`; prints {texts, epoch, intents, members}
//   action "read": prints what "sync" prints, without syncing
//   crash: {"method":"sendGroupMessages"|"sendWelcomeMessages","call":1,"when":"before"|"after"}
//   or {"method":"transaction","call":n,"when":...}: the n-th database transaction of the action,
//   killed after its writes but before its commit ("before"), or right after its commit ("after")
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { privateKeyToAccount } from "viem/accounts";

const input = JSON.parse(process.argv[2]);
const grpc =
  input.network === "d14n"
    ? createD14nApiClient({ gatewayUrl: input.url, appVersion: "interop-crash" })
    : createGrpcApiClient({ url: input.url, appVersion: "interop-crash" });
const calls = new Map();
const api = new Proxy(grpc, {
  get(target, prop) {
    const value = Reflect.get(target, prop);
    if (typeof value !== "function") return value;
    return async (...args) => {
      const n = (calls.get(prop) ?? 0) + 1;
      calls.set(prop, n);
      const crash = input.crash;
      const hit = crash !== undefined && crash.method === prop && crash.call === n;
      if (hit && crash.when === "before") process.kill(process.pid, "SIGKILL");
      const result = await value.apply(target, args);
      if (hit && crash.when === "after") process.kill(process.pid, "SIGKILL");
      return result;
    };
  },
});

const db = await openSqlite({ path: input.dbPath });
const client = await Client.create(privateKeyToAccount(input.privateKey), { api, db });
// Transactions are counted from here on (the action's own), not during Client.create.
let transactions = 0;
const transaction = db.transaction.bind(db);
db.transaction = async (fn) => {
  const crash = input.crash;
  const hit = crash?.method === "transaction" && crash.call === ++transactions;
  const result = await transaction(async (tx) => {
    const r = await fn(tx);
    if (hit && crash.when === "before") process.kill(process.pid, "SIGKILL");
    return r;
  });
  if (hit && crash.when === "after") process.kill(process.pid, "SIGKILL");
  return result;
};
const out = { inboxId: client.inboxId };
const group =
  input.groupId === undefined
    ? undefined
    : await client.conversations.getConversationById(input.groupId);
switch (input.action) {
  case "setup": {
    const g = await client.conversations.createGroup(input.members ?? []);
    out.groupId = g.id;
    break;
  }
  case "send":
    await group.sendText(input.text);
    break;
  case "add":
    await group.addMembers(input.members);
    break;
  case "sync":
  case "read": {
    if (input.action === "sync") await group.sync();
    out.texts = (await group.messages())
      .filter((m) => m.contentType?.typeId === "text")
      .map((m) => ({ text: String(m.content), status: m.deliveryStatus }));
    out.epoch = String(await group.epoch());
    out.members = (await group.members()).map((m) => m.inboxId).sort();
    out.intents = (await db.intents.find(group.groupId, [1, 2, 3, 4, 5, 6])).map((i) => i.state);
    break;
  }
  default:
    throw new Error(`unknown action ${input.action}`);
}
await db.close();
process.stdout.write(JSON.stringify(out));
