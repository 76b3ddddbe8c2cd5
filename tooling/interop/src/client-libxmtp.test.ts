// Our client (@x/mls) and real libxmtp clients in the same groups and DMs, through @x/node: the
// same scenarios (proofs 1-5 of issue 6) against libxmtp 1.5.4 (@xmtp/node-bindings 1.5.4) and
// libxmtp 1.9.1 (@xmtp/node-sdk 5.5.0), through the peer adapter in test-utils/peers.ts; and
// once more on the decentralized network: our client over @x/api-d14n, libxmtp 1.9.1 created in
// d14n mode (gatewayHost), both through @x/node's d14n listener.
import { ethereumIdentifier } from "@x/id";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { type LibxmtpPeer, libxmtp154, libxmtp191, libxmtp191d14n } from "./test-utils/peers.js";

describe.each([libxmtp154, libxmtp191, libxmtp191d14n])(
  "our client with libxmtp $version on $network through @x/node",
  (lib) => {
    const v = lib.version;
    const dir = new TempDir();
    let node: RunningNode;
    let ours: OurPeer;
    let alice: LibxmtpPeer;
    let url: string;
    const peer = () => lib.create(url, dir);

    beforeAll(async () => {
      node = await startNode({
        port: 0,
        webPort: null,
        d14nPort: lib.network === "d14n" ? 0 : null,
        db: dir.file("node.sqlite"),
      });
      url = lib.network === "d14n" ? node.d14nUrl! : node.url;
      ours = await ourPeer(url, dir, undefined, undefined, lib.network);
      alice = await peer();
    });
    afterAll(async () => {
      await node?.stop();
      await ours?.db.close();
      dir.remove();
    });

    it(`runs libxmtp ${v} and registers an inbox it can message`, async () => {
      expect(alice.libxmtpVersion()).toMatch(new RegExp(`^${v.replaceAll(".", "\\.")}`));
      const can = await alice.canMessage([ours.wallet.identifier]);
      expect(can).toEqual({ [ours.wallet.identifier.identifier]: true });
      const state = await ours.client.inboxState();
      expect(state.installations.map((i) => i.id)).toEqual([ours.client.installationId]);
      expect(
        await ours.client.getInboxIdByIdentifier(
          ethereumIdentifier(alice.wallet.identifier.identifier),
        ),
      ).toBe(alice.inboxId);
    });

    it(`creates a group with a ${v} member; both read each other (proof 1)`, async () => {
      const group = await ours.client.conversations.createGroup([alice.inboxId], { name: "ours" });
      await group.sendText("hello from ours");
      const theirs = await alice.findConversation(group.id);
      expect(theirs.name()).toBe("ours");
      expect(await theirs.texts()).toEqual(["hello from ours"]);
      await theirs.send(`reply from ${v}`);
      await group.sync();
      expect(await ourTexts(group)).toEqual(["hello from ours", `reply from ${v}`]);
      expect(ours.skipped).toEqual([]);
    });

    it(`joins a group ${v} creates; both read each other (proof 2)`, async () => {
      const theirs = await alice.createGroup([ours.client.inboxId]);
      await theirs.send(`hello from ${v}`);
      const joined = await ours.client.conversations.sync();
      expect(joined.map((c) => c.id)).toContain(theirs.id);
      const group = (await ours.client.conversations.getConversationById(theirs.id))!;
      await group.sync();
      expect(await ourTexts(group)).toEqual([`hello from ${v}`]);
      await group.sendText("reply from ours");
      expect(await theirs.texts()).toEqual([`hello from ${v}`, "reply from ours"]);
      expect(ours.skipped).toEqual([]);
    });

    it(`DMs both ways with ${v} (proof 3)`, async () => {
      const bob = await peer();
      // ours -> libxmtp
      const dm = await ours.client.conversations.createDm(bob.inboxId);
      expect(await ours.client.conversations.createDm(bob.inboxId)).toMatchObject({ id: dm.id });
      await dm.sendText("dm from ours");
      const bobDm = await bob.findDm(ours.client.inboxId);
      expect(bobDm.id).toBe(dm.id);
      expect(await bobDm.texts()).toEqual(["dm from ours"]);
      await bobDm.send(`dm reply from ${v}`);
      await dm.sync();
      expect(await ourTexts(dm)).toEqual(["dm from ours", `dm reply from ${v}`]);
      // libxmtp -> ours
      const carol = await peer();
      const carolDm = await carol.createDm(ours.client.inboxId);
      await carolDm.send(`dm from ${v}`);
      await ours.client.conversations.sync();
      const ourDm = (await ours.client.conversations.getDmByInboxId(carol.inboxId))!;
      expect(ourDm.peerInboxId).toBe(carol.inboxId);
      await ourDm.sync();
      expect(await ourTexts(ourDm)).toEqual([`dm from ${v}`]);
      await ourDm.sendText("dm reply from ours");
      expect(await carolDm.texts()).toEqual([`dm from ${v}`, "dm reply from ours"]);
      const dms = await ours.client.conversations.listDms();
      expect(dms.map((d) => d.id).sort()).toEqual([dm.id, ourDm.id].sort());
      expect(ours.skipped).toEqual([]);
    });

    it(`keeps two of ours and two ${v} clients in one epoch while each changes membership (proof 4)`, async () => {
      const ours2 = await ourPeer(url, dir, undefined, undefined, lib.network);
      const a = await peer();
      const b = await peer();
      try {
        const g1 = await ours.client.conversations.createGroup([a.inboxId]);
        const ga = await a.findConversation(g1.id);
        // libxmtp adds our second client
        await ga.addMembers([ours2.client.inboxId]);
        await ours2.client.conversations.sync();
        const g2 = (await ours2.client.conversations.getConversationById(g1.id))!;
        await g1.sync();
        // our second client adds the second libxmtp client
        await g2.addMembers([b.inboxId]);
        const gb = await b.findConversation(g1.id);
        await ga.sync();
        await g1.sync();
        // our first client (the super admin) removes the first libxmtp client
        await g1.removeMembers([a.inboxId]);
        await gb.sync();
        await ga.sync();
        expect(ga.isActive()).toBe(false);
        await g2.sync();
        // the second libxmtp client adds the first one back
        await gb.addMembers([a.inboxId]);
        const ga2 = await a.findConversation(g1.id);
        await g1.sync();
        await g2.sync();
        // everyone sends, everyone reads everything
        await g1.sendText("m1 ours");
        await g2.sendText("m2 ours2");
        await gb.send("m3 b");
        await ga2.send("m4 a");
        for (const g of [g1, g2]) await g.sync();
        for (const g of [gb, ga2]) await g.sync();
        for (const g of [g1, g2]) await g.sync();
        const expected = ["m1 ours", "m2 ours2", "m3 b", "m4 a"];
        expect(await ourTexts(g1)).toEqual(expected);
        expect(await ourTexts(g2)).toEqual(expected);
        expect(await gb.texts()).toEqual(expected);
        expect((await ga2.texts()).slice(-4)).toEqual(expected);
        const epochs = [await g1.epoch(), await g2.epoch(), await gb.epoch(), await ga2.epoch()];
        expect(new Set(epochs).size).toBe(1);
        const members = (await g1.members()).map((m) => m.inboxId).sort();
        expect(members).toEqual(
          [ours.client.inboxId, ours2.client.inboxId, a.inboxId, b.inboxId].sort(),
        );
        expect([...ours.skipped, ...ours2.skipped]).toEqual([]);
      } finally {
        await ours2.db.close();
      }
    });

    it(`delivers to both installations of one inbox of ours; ${v} sees both (proof 5)`, async () => {
      const second = await ourPeer(url, dir, ours.wallet, undefined, lib.network);
      try {
        expect(second.client.inboxId).toBe(ours.client.inboxId);
        expect(second.client.installationId).not.toBe(ours.client.installationId);
        const state = await ours.client.inboxState();
        expect(state.installations).toHaveLength(2);
        const dave = await peer();
        // libxmtp creates the group: welcomes for both installations
        const theirs = await dave.createGroup([ours.client.inboxId]);
        await theirs.send("to both");
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
        // our first installation creates a group: the second one is added too
        const mine = await ours.client.conversations.createGroup([dave.inboxId]);
        await mine.sendText("from installation 1");
        await second.client.conversations.sync();
        const mine2 = (await second.client.conversations.getConversationById(mine.id))!;
        await mine2.sync();
        expect(await ourTexts(mine2)).toEqual(["from installation 1"]);
        await mine2.sendText("from installation 2");
        const daves = await dave.findConversation(mine.id);
        expect(await daves.texts()).toEqual(["from installation 1", "from installation 2"]);
        const ourInDave = (await daves.members()).find((m) => m.inboxId === ours.client.inboxId)!;
        expect(ourInDave.installationIds).toHaveLength(2);
        await mine.sync();
        expect(await ourTexts(mine)).toEqual(["from installation 1", "from installation 2"]);
        expect([...ours.skipped, ...second.skipped]).toEqual([]);
      } finally {
        await second.db.close();
      }
    });
  },
);
