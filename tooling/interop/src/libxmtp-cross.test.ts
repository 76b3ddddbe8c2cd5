// libxmtp 1.5.4 (@xmtp/node-bindings) and libxmtp 1.9.1 (@xmtp/node-sdk 5.5.0) talking to each
// other through @x/node, including a 1.9.1 group created with five members at once, which 1.9.1
// delivers with welcome pointers.
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Peer154,
  peer154,
  peer191,
  type SdkConversation,
  TempDir,
  textContent,
  texts154,
  texts191,
} from "./test-utils/libxmtp.js";

describe("libxmtp 1.5.4 and 1.9.1 through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let old: Peer154;
  let clients: SdkClient[] = [];

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    old = await peer154(node.url, dir);
    // Registered one after another: node-sdk's inbox lookup reads a shared module setting.
    for (let i = 0; i < 5; i++) clients.push(await peer191(node.url, dir));
  });
  afterAll(async () => {
    await node?.stop();
    clients = [];
    dir.remove();
  });

  it("runs the versions it claims to", () => {
    expect(old.client.libxmtpVersion()).toMatch(/^1\.5\.4/);
    expect(clients[0]!.libxmtpVersion).toMatch(/^1\.9\.1/);
  });

  it("lets a 1.9.1 client and a 1.5.4 client DM each other both ways", async () => {
    const newer = clients[0]!;
    const can = await newer.canMessage([old.wallet.identifier as never]);
    expect([...can.values()]).toEqual([true]);
    const dm = await newer.conversations.createDm(old.client.inboxId());
    await dm.sendText("from 1.9.1");
    await old.client.conversations().sync();
    const oldDm = old.client.conversations().findDmByTargetInboxId(newer.inboxId);
    await oldDm.sync();
    expect(await texts154(oldDm)).toEqual(["from 1.9.1"]);
    await oldDm.send(textContent("from 1.5.4"));
    expect(await texts191(dm as SdkConversation)).toEqual(["from 1.9.1", "from 1.5.4"]);
  });

  it("delivers a 1.9.1 group created with five members at once, welcome pointers included", async () => {
    const [creator, ...others] = clients;
    const before = await node.store.db.selectFrom("welcome_messages").select("id").execute();
    const group = await creator!.conversations.createGroup([
      old.client.inboxId(),
      ...others.map((c) => c.inboxId),
    ]);
    await group.sendText("welcome, all five");

    // libxmtp 1.9.1 wrapped the welcomes of its capable peers behind pointers: the node stored
    // pointers (message_type 1) and the symmetric-key pointee they lead to.
    const rows = await node.store.db
      .selectFrom("welcome_messages")
      .select(["message_type", "wrapper_algorithm"])
      .where("id", ">", before.length ? before.at(-1)!.id : 0)
      .execute();
    const pointers = rows.filter((r) => Number(r.message_type) === 1);
    expect(pointers.length).toBeGreaterThanOrEqual(3);
    expect(
      rows.some((r) => Number(r.message_type) === 0 && Number(r.wrapper_algorithm) === 3),
    ).toBe(true);

    for (const member of others) {
      await member.conversations.sync();
      const theirs = await member.conversations.getConversationById(group.id);
      expect(theirs, "every 1.9.1 member joined through its welcome pointer").toBeDefined();
      expect(await texts191(theirs!)).toEqual(["welcome, all five"]);
    }
    await old.client.conversations().sync();
    const oldGroup = old.client.conversations().findGroupById(group.id);
    await oldGroup.sync();
    expect(await texts154(oldGroup)).toEqual(["welcome, all five"]);
    expect((await oldGroup.listMembers()).length).toBe(6);

    await oldGroup.send(textContent("1.5.4 answers"));
    const last = others.at(-1)!;
    const lastGroup = await last.conversations.getConversationById(group.id);
    expect(await texts191(lastGroup!)).toEqual(["welcome, all five", "1.5.4 answers"]);
    expect(await texts191(group as SdkConversation)).toEqual([
      "welcome, all five",
      "1.5.4 answers",
    ]);
  });
});
