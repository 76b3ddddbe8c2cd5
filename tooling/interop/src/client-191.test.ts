// Our client (@x/mls) and real libxmtp 1.9.1 clients (@xmtp/node-sdk 5.5.0) in the same groups and
// DMs, through @x/node.
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peer191, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

type SdkConversation = NonNullable<
  Awaited<ReturnType<SdkClient["conversations"]["getConversationById"]>>
>;

async function texts191(conversation: SdkConversation): Promise<string[]> {
  await conversation.sync();
  const messages = await conversation.messages();
  return messages.filter((m) => m.contentType?.typeId === "text").map((m) => String(m.content));
}

async function find191(client: SdkClient, id: string): Promise<SdkConversation> {
  await client.conversations.sync();
  const c = await client.conversations.getConversationById(id);
  if (c === undefined) throw new Error(`1.9.1 client has no conversation ${id}`);
  await c.sync();
  return c;
}

describe("our client with libxmtp 1.9.1 through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let alice: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    alice = await peer191(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.db.close();
    dir.remove();
  });

  it("runs libxmtp 1.9.1 and can message our inbox", async () => {
    expect(alice.libxmtpVersion).toMatch(/^1\.9\.1/);
    const can = await alice.canMessage([ours.wallet.identifier as never]);
    expect([...can.values()]).toEqual([true]);
  });

  it("creates a group with a 1.9.1 member; both read each other (proof 1)", async () => {
    const group = await ours.client.conversations.createGroup([alice.inboxId], { name: "ours" });
    await group.sendText("hello from ours");
    const theirs = await find191(alice, group.id);
    expect((theirs as { name: string }).name).toBe("ours");
    expect(await texts191(theirs)).toEqual(["hello from ours"]);
    await theirs.sendText("reply from 1.9.1");
    await group.sync();
    expect(await ourTexts(group)).toEqual(["hello from ours", "reply from 1.9.1"]);
    expect(ours.skipped).toEqual([]);
  });

  it("joins a group 1.9.1 creates; both read each other (proof 2)", async () => {
    const theirs = await alice.conversations.createGroup([ours.client.inboxId]);
    await theirs.sendText("hello from 1.9.1");
    await ours.client.conversations.sync();
    const group = (await ours.client.conversations.getConversationById(theirs.id))!;
    await group.sync();
    expect(await ourTexts(group)).toEqual(["hello from 1.9.1"]);
    await group.sendText("reply from ours");
    expect(await texts191(theirs as SdkConversation)).toEqual([
      "hello from 1.9.1",
      "reply from ours",
    ]);
    expect(ours.skipped).toEqual([]);
  });

  it("DMs both ways (proof 3)", async () => {
    const bob = await peer191(node.url, dir);
    const dm = await ours.client.conversations.createDm(bob.inboxId);
    await dm.sendText("dm from ours");
    const bobDm = await find191(bob, dm.id);
    expect(await texts191(bobDm)).toEqual(["dm from ours"]);
    await bobDm.sendText("dm reply from 1.9.1");
    await dm.sync();
    expect(await ourTexts(dm)).toEqual(["dm from ours", "dm reply from 1.9.1"]);

    const carol = await peer191(node.url, dir);
    const carolDm = await carol.conversations.createDm(ours.client.inboxId);
    await carolDm.sendText("dm from 1.9.1");
    await ours.client.conversations.sync();
    const ourDm = (await ours.client.conversations.getDmByInboxId(carol.inboxId))!;
    await ourDm.sync();
    expect(await ourTexts(ourDm)).toEqual(["dm from 1.9.1"]);
    await ourDm.sendText("dm reply from ours");
    expect(await texts191(carolDm as SdkConversation)).toEqual([
      "dm from 1.9.1",
      "dm reply from ours",
    ]);
    expect(ours.skipped).toEqual([]);
  });

  it("keeps two of ours and two 1.9.1 clients in one epoch while each changes membership (proof 4)", async () => {
    const ours2 = await ourPeer(node.url, dir);
    const a = await peer191(node.url, dir);
    const b = await peer191(node.url, dir);
    try {
      const g1 = await ours.client.conversations.createGroup([a.inboxId]);
      const ga = await find191(a, g1.id);
      await (ga as { addMembers(ids: string[]): Promise<void> }).addMembers([ours2.client.inboxId]);
      await ours2.client.conversations.sync();
      const g2 = (await ours2.client.conversations.getConversationById(g1.id))!;
      await g1.sync();
      await g2.addMembers([b.inboxId]);
      const gb = await find191(b, g1.id);
      await ga.sync();
      await g1.sync();
      await g1.removeMembers([a.inboxId]);
      await gb.sync();
      await ga.sync();
      expect(ga.isActive).toBe(false);
      await g2.sync();
      await (gb as { addMembers(ids: string[]): Promise<void> }).addMembers([a.inboxId]);
      const ga2 = await find191(a, g1.id);
      await g1.sync();
      await g2.sync();
      await g1.sendText("m1 ours");
      await g2.sendText("m2 ours2");
      await gb.sendText("m3 b");
      await ga2.sendText("m4 a");
      for (const g of [g1, g2]) await g.sync();
      for (const g of [gb, ga2]) await g.sync();
      for (const g of [g1, g2]) await g.sync();
      const expected = ["m1 ours", "m2 ours2", "m3 b", "m4 a"];
      expect(await ourTexts(g1)).toEqual(expected);
      expect(await ourTexts(g2)).toEqual(expected);
      expect(await texts191(gb)).toEqual(expected);
      expect((await texts191(ga2)).slice(-4)).toEqual(expected);
      const epochs = [
        await g1.epoch(),
        await g2.epoch(),
        (await gb.debugInfo()).epoch,
        (await ga2.debugInfo()).epoch,
      ];
      expect(new Set(epochs).size).toBe(1);
      expect((await g1.members()).map((m) => m.inboxId).sort()).toEqual(
        [ours.client.inboxId, ours2.client.inboxId, a.inboxId, b.inboxId].sort(),
      );
      expect([...ours.skipped, ...ours2.skipped]).toEqual([]);
    } finally {
      await ours2.db.close();
    }
  });

  it("delivers to both installations of one inbox of ours; 1.9.1 sees both (proof 5)", async () => {
    const second = await ourPeer(node.url, dir, ours.wallet);
    try {
      expect(second.client.inboxId).toBe(ours.client.inboxId);
      const dave = await peer191(node.url, dir);
      const theirs = await dave.conversations.createGroup([ours.client.inboxId]);
      await theirs.sendText("to both");
      const our = (await theirs.members()).find((m) => m.inboxId === ours.client.inboxId)!;
      expect([...our.installationIds].sort()).toEqual(
        [ours.client.installationId, second.client.installationId].sort(),
      );
      for (const p of [ours, second]) {
        await p.client.conversations.sync();
        const g = (await p.client.conversations.getConversationById(theirs.id))!;
        await g.sync();
        expect(await ourTexts(g)).toEqual(["to both"]);
      }
      const mine = await ours.client.conversations.createGroup([dave.inboxId]);
      await mine.sendText("from installation 1");
      await second.client.conversations.sync();
      const mine2 = (await second.client.conversations.getConversationById(mine.id))!;
      await mine2.sync();
      await mine2.sendText("from installation 2");
      const daves = await find191(dave, mine.id);
      expect(await texts191(daves)).toEqual(["from installation 1", "from installation 2"]);
      const ourInDave = (await daves.members()).find((m) => m.inboxId === ours.client.inboxId)!;
      expect(ourInDave.installationIds).toHaveLength(2);
      await mine.sync();
      expect(await ourTexts(mine)).toEqual(["from installation 1", "from installation 2"]);
      expect([...ours.skipped, ...second.skipped]).toEqual([]);
    } finally {
      await second.db.close();
    }
  });
});
