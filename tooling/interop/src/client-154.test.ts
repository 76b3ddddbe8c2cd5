// Our client (@x/mls) and real libxmtp 1.5.4 clients (@xmtp/node-bindings) in the same groups and
// DMs, through @x/node.

import { ethereumIdentifier } from "@x/id";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Peer154, peer154, TempDir, textContent, texts154 } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

describe("our client with libxmtp 1.5.4 through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let alice: Peer154;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    alice = await peer154(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.db.close();
    dir.remove();
  });

  it("registers an inbox libxmtp can message", async () => {
    const can = await alice.client.canMessage([ours.wallet.identifier as never]);
    expect(can).toEqual({ [ours.wallet.identifier.identifier]: true });
    const state = await ours.client.inboxState();
    expect(state.installations.map((i) => i.id)).toEqual([ours.client.installationId]);
    expect(
      await ours.client.getInboxIdByIdentifier(
        ethereumIdentifier(alice.wallet.identifier.identifier),
      ),
    ).toBe(alice.client.inboxId());
  });

  it("creates a group with a libxmtp member; both read each other (proof 1)", async () => {
    const group = await ours.client.conversations.createGroup([alice.client.inboxId()], {
      name: "ours",
    });
    await group.sendText("hello from ours");
    await alice.client.conversations().sync();
    const theirs = alice.client.conversations().findGroupById(group.id);
    await theirs.sync();
    expect(theirs.groupName()).toBe("ours");
    expect(await texts154(theirs)).toEqual(["hello from ours"]);
    await theirs.send(textContent("reply from 1.5.4"));
    await group.sync();
    expect(await ourTexts(group)).toEqual(["hello from ours", "reply from 1.5.4"]);
    expect(ours.skipped).toEqual([]);
  });

  it("joins a group libxmtp creates; both read each other (proof 2)", async () => {
    const theirs = await alice.client.conversations().createGroupByInboxId([ours.client.inboxId]);
    await theirs.send(textContent("hello from 1.5.4"));
    const joined = await ours.client.conversations.sync();
    expect(joined.map((c) => c.id)).toContain(theirs.id());
    const group = (await ours.client.conversations.getConversationById(theirs.id()))!;
    await group.sync();
    expect(await ourTexts(group)).toEqual(["hello from 1.5.4"]);
    await group.sendText("reply from ours");
    await theirs.sync();
    expect(await texts154(theirs)).toEqual(["hello from 1.5.4", "reply from ours"]);
    expect(ours.skipped).toEqual([]);
  });

  it("DMs both ways (proof 3)", async () => {
    const bob = await peer154(node.url, dir);
    // ours -> libxmtp
    const dm = await ours.client.conversations.createDm(bob.client.inboxId());
    expect(await ours.client.conversations.createDm(bob.client.inboxId())).toMatchObject({
      id: dm.id,
    });
    await dm.sendText("dm from ours");
    await bob.client.conversations().sync();
    const bobDm = bob.client.conversations().findDmByTargetInboxId(ours.client.inboxId);
    await bobDm.sync();
    expect(await texts154(bobDm)).toEqual(["dm from ours"]);
    await bobDm.send(textContent("dm reply from 1.5.4"));
    await dm.sync();
    expect(await ourTexts(dm)).toEqual(["dm from ours", "dm reply from 1.5.4"]);
    // libxmtp -> ours
    const carol = await peer154(node.url, dir);
    const carolDm = await carol.client.conversations().createDmByInboxId(ours.client.inboxId);
    await carolDm.send(textContent("dm from 1.5.4"));
    await ours.client.conversations.sync();
    const ourDm = (await ours.client.conversations.getDmByInboxId(carol.client.inboxId()))!;
    expect(ourDm.peerInboxId).toBe(carol.client.inboxId());
    await ourDm.sync();
    expect(await ourTexts(ourDm)).toEqual(["dm from 1.5.4"]);
    await ourDm.sendText("dm reply from ours");
    await carolDm.sync();
    expect(await texts154(carolDm)).toEqual(["dm from 1.5.4", "dm reply from ours"]);
    const dms = await ours.client.conversations.listDms();
    expect(dms.map((d) => d.id).sort()).toEqual([dm.id, ourDm.id].sort());
    expect(ours.skipped).toEqual([]);
  });

  it("keeps two of ours and two libxmtp clients in one epoch while each changes membership (proof 4)", async () => {
    const ours2 = await ourPeer(node.url, dir);
    const a = await peer154(node.url, dir);
    const b = await peer154(node.url, dir);
    try {
      const g1 = await ours.client.conversations.createGroup([a.client.inboxId()]);
      await a.client.conversations().sync();
      const ga = a.client.conversations().findGroupById(g1.id);
      await ga.sync();
      // libxmtp adds our second client
      await ga.addMembersByInboxId([ours2.client.inboxId]);
      await ours2.client.conversations.sync();
      const g2 = (await ours2.client.conversations.getConversationById(g1.id))!;
      await g1.sync();
      // our second client adds the second libxmtp client
      await g2.addMembers([b.client.inboxId()]);
      await b.client.conversations().sync();
      const gb = b.client.conversations().findGroupById(g1.id);
      await gb.sync();
      await ga.sync();
      await g1.sync();
      // our first client (the super admin) removes the first libxmtp client
      await g1.removeMembers([a.client.inboxId()]);
      await gb.sync();
      await ga.sync();
      expect(ga.isActive()).toBe(false);
      await g2.sync();
      // the second libxmtp client adds the first one back
      await gb.addMembersByInboxId([a.client.inboxId()]);
      await a.client.conversations().sync();
      const ga2 = a.client.conversations().findGroupById(g1.id);
      await ga2.sync();
      await g1.sync();
      await g2.sync();
      // everyone sends, everyone reads everything
      await g1.sendText("m1 ours");
      await g2.sendText("m2 ours2");
      await gb.send(textContent("m3 b"));
      await ga2.send(textContent("m4 a"));
      for (const g of [g1, g2]) await g.sync();
      for (const g of [gb, ga2]) await g.sync();
      for (const g of [g1, g2]) await g.sync();
      const expected = ["m1 ours", "m2 ours2", "m3 b", "m4 a"];
      expect(await ourTexts(g1)).toEqual(expected);
      expect(await ourTexts(g2)).toEqual(expected);
      expect(await texts154(gb)).toEqual(expected);
      expect((await texts154(ga2)).slice(-4)).toEqual(expected);
      const epochs = [
        await g1.epoch(),
        await g2.epoch(),
        (await gb.debugInfo()).epoch,
        (await ga2.debugInfo()).epoch,
      ];
      expect(new Set(epochs).size).toBe(1);
      const members = (await g1.members()).map((m) => m.inboxId).sort();
      expect(members).toEqual(
        [ours.client.inboxId, ours2.client.inboxId, a.client.inboxId(), b.client.inboxId()].sort(),
      );
      expect([...ours.skipped, ...ours2.skipped]).toEqual([]);
    } finally {
      await ours2.db.close();
    }
  });

  it("delivers to both installations of one inbox of ours; libxmtp sees both (proof 5)", async () => {
    const second = await ourPeer(node.url, dir, ours.wallet);
    try {
      expect(second.client.inboxId).toBe(ours.client.inboxId);
      expect(second.client.installationId).not.toBe(ours.client.installationId);
      const state = await ours.client.inboxState();
      expect(state.installations).toHaveLength(2);
      const dave = await peer154(node.url, dir);
      // libxmtp creates the group: welcomes for both installations
      const theirs = await dave.client.conversations().createGroupByInboxId([ours.client.inboxId]);
      await theirs.send(textContent("to both"));
      const members = await theirs.listMembers();
      const our = members.find((m) => m.inboxId === ours.client.inboxId)!;
      expect([...our.installationIds].sort()).toEqual(
        [ours.client.installationId, second.client.installationId].sort(),
      );
      for (const p of [ours, second]) {
        await p.client.conversations.sync();
        const g = (await p.client.conversations.getConversationById(theirs.id()))!;
        await g.sync();
        expect(await ourTexts(g)).toEqual(["to both"]);
      }
      // our first installation creates a group: the second one is added too
      const mine = await ours.client.conversations.createGroup([dave.client.inboxId()]);
      await mine.sendText("from installation 1");
      await second.client.conversations.sync();
      const mine2 = (await second.client.conversations.getConversationById(mine.id))!;
      await mine2.sync();
      expect(await ourTexts(mine2)).toEqual(["from installation 1"]);
      await mine2.sendText("from installation 2");
      await dave.client.conversations().sync();
      const daves = dave.client.conversations().findGroupById(mine.id);
      await daves.sync();
      expect(await texts154(daves)).toEqual(["from installation 1", "from installation 2"]);
      const ourInDave = (await daves.listMembers()).find((m) => m.inboxId === ours.client.inboxId)!;
      expect(ourInDave.installationIds).toHaveLength(2);
      await mine.sync();
      expect(await ourTexts(mine)).toEqual(["from installation 1", "from installation 2"]);
      expect([...ours.skipped, ...second.skipped]).toEqual([]);
    } finally {
      await second.db.close();
    }
  });
});
