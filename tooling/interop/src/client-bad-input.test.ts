// More bad input for our client, through @x/node, made by real members of the group with their own
// keys: an application message and a commit that claim another member's leaf (forged sender), a
// message from an epoch the group has not reached, and commits that break the permission policy
// (a non-admin removing someone, a non-super-admin changing permissions). Each is skipped with a
// typed error, the group state unchanged, and sync goes on. Also DM stitching: two MLS groups for
// one pair of inboxes (both sides created the DM at once) show as one conversation with the
// messages of both.

import {
  adminsOnlyPolicySet,
  ClientError,
  deserializeGroupState,
  encryptApplicationMessage,
  type Group,
  groupMembers,
  MlsEngineError,
  mergeStagedCommit,
  removeMembers,
  selfUpdate,
  updateMetadataField,
  updatePermissions,
} from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

type ClientState = ReturnType<typeof deserializeGroupState>;

const codeOf = (e: unknown) =>
  e instanceof MlsEngineError || e instanceof ClientError ? e.code : `untyped: ${String(e)}`;

describe("our client: forged senders, future epochs, policy violations; DM stitching", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let peers: OurPeer[] = [];

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    for (let i = 0; i < 4; i++) peers.push(await ourPeer(node.url, dir));
  });
  afterAll(async () => {
    await node?.stop();
    for (const p of peers) await p.db.close();
    peers = [];
    dir.remove();
  });

  /** A copy of a member's stored MLS state: changes to it are never saved. */
  async function stateOf(p: OurPeer, groupId: Uint8Array): Promise<ClientState> {
    return deserializeGroupState((await p.db.mls.getGroupState(groupId))!.state);
  }

  /** Puts raw payloads on the group's topic, as a member's publish would. */
  async function publishRaw(groupId: Uint8Array, payloads: Uint8Array[]): Promise<void> {
    await node.store.insertGroupMessages(
      payloads.map((data) => ({
        groupId,
        data,
        senderHmac: new Uint8Array(32),
        shouldPush: false,
        isCommit: false,
      })),
      BigInt(Date.now()) * 1_000_000n,
    );
  }

  /** A group of all four (a creates it: a is its super admin), joined and synced by everyone. */
  async function groupOfFour() {
    const [a, b, c, d] = peers as [OurPeer, OurPeer, OurPeer, OurPeer];
    const ga = await a.client.conversations.createGroup(
      [b, c, d].map((p) => p.client.inboxId),
      { name: "policy" },
    );
    const groups = [ga];
    for (const p of [b, c, d]) {
      await p.client.conversations.sync();
      const g = (await p.client.conversations.getConversationById(ga.id))!;
      await g.sync();
      groups.push(g);
    }
    for (const p of peers) p.skipped.length = 0;
    return { a, b, c, d, groups: groups as [Group, Group, Group, Group] };
  }

  /** Everyone's view: epoch, name, member inboxes. */
  async function views(groups: readonly Group[]) {
    return Promise.all(
      groups.map(async (g) => ({
        epoch: await g.epoch(),
        name: await g.name(),
        members: (await g.members()).map((m) => m.inboxId).sort(),
      })),
    );
  }

  it("skips an application message and a commit signed by one member under another's leaf", async () => {
    const { a, b, c, d, groups } = await groupOfFour();
    const [ga, gb, gc, gd] = groups;
    const before = await views(groups);
    // c builds on its own state but claims b's leaf; its signature key stays its own.
    const real = await stateOf(c, ga.groupId);
    const bLeaf = groupMembers(real).find((m) => m.inboxId === b.client.inboxId)!.leafIndex;
    const claimB = (s: ClientState): ClientState => ({
      ...s,
      privatePath: { ...s.privatePath, leafIndex: bLeaf },
    });
    const forgedMessage = await encryptApplicationMessage(
      claimB(await stateOf(c, ga.groupId)),
      new TextEncoder().encode("not really from b"),
    );
    const forgedCommit = await updateMetadataField(
      claimB(await stateOf(c, ga.groupId)),
      "group_name",
      "forged by c as b",
    );
    await publishRaw(ga.groupId, [forgedMessage.message, forgedCommit.commit]);
    for (const [p, g] of [
      [a, ga],
      [d, gd],
    ] as const) {
      await g.sync();
      expect(p.skipped.map(codeOf)).toEqual(["MLS_MESSAGE_REJECTED", "MLS_MESSAGE_REJECTED"]);
    }
    await gb.sync();
    await gc.sync();
    expect(await views(groups)).toEqual(before);
    expect(await ga.messages({ includeTranscript: false })).toEqual([]);
    // Sync goes on: real messages and commits after the forgeries are read.
    await gc.sendText("really from c");
    await gb.updateName("renamed by b");
    for (const g of groups) {
      await g.sync();
      expect(await ourTexts(g)).toEqual(["really from c"]);
      expect(await g.name()).toBe("renamed by b");
      expect(await g.epoch()).toBe(await ga.epoch());
    }
  });

  it("skips a message from an epoch the group has not reached", async () => {
    const { a, c, groups } = await groupOfFour();
    const [ga, , gc] = groups;
    const before = await views(groups);
    // c advances a private copy of its state by a commit it never publishes, then sends in it.
    const ahead = mergeStagedCommit(await selfUpdate(await stateOf(c, ga.groupId)));
    const future = await encryptApplicationMessage(ahead, new TextEncoder().encode("from epoch+1"));
    await publishRaw(ga.groupId, [future.message]);
    await ga.sync();
    expect(a.skipped.map(codeOf)).toEqual(["MLS_EPOCH_IN_FUTURE"]);
    expect(await views(groups)).toEqual(before);
    await gc.sendText("in the real epoch");
    await ga.sync();
    expect(await ourTexts(ga)).toEqual(["in the real epoch"]);
  });

  it("rejects commits by a real member that break the permission policy", async () => {
    const { a, b, c, d, groups } = await groupOfFour();
    const [ga, gb, gc, gd] = groups;
    const before = await views(groups);
    // b is a plain member: the default policy lets only admins remove members, and only super
    // admins change permissions. Both commits are valid MLS, signed by b's own leaf.
    const removal = await removeMembers(await stateOf(b, ga.groupId), [d.client.inboxId]);
    const permissions = await updatePermissions(
      await stateOf(b, ga.groupId),
      adminsOnlyPolicySet(),
    );
    await publishRaw(ga.groupId, [removal.commit, permissions.commit]);
    for (const [p, g] of [
      [a, ga],
      [c, gc],
      [d, gd],
    ] as const) {
      await g.sync();
      expect(p.skipped.map(codeOf)).toEqual(["CLIENT_COMMIT_INVALID", "CLIENT_COMMIT_INVALID"]);
      expect(String((p.skipped[0] as Error).message)).toMatch(/remove|permission|policy/i);
    }
    expect(await views([ga, gc, gd])).toEqual([before[0], before[2], before[3]]);
    expect(await gd.isActive()).toBe(true);
    // The super admin may remove d: that commit is accepted by everyone still in the group.
    await ga.removeMembers([d.client.inboxId]);
    for (const g of [gb, gc, gd]) await g.sync();
    const after = await views([ga, gb, gc]);
    expect(new Set(after.map((v) => v.epoch)).size).toBe(1);
    expect(after[0]!.members).toEqual([a, b, c].map((p) => p.client.inboxId).sort());
    expect(await gd.isActive()).toBe(false);
    await gb.sendText("b is still a member");
    await ga.sync();
    expect(await ourTexts(ga)).toEqual(["b is still a member"]);
  });

  it("shows two DM groups of one pair (created at once by both) as one conversation", async () => {
    const [a, b] = peers as [OurPeer, OurPeer];
    for (const p of [a, b]) await p.client.conversations.syncAll();
    // Both create the DM before either has seen the other's welcome.
    const [dmA, dmB] = await Promise.all([
      a.client.conversations.createDm(b.client.inboxId),
      b.client.conversations.createDm(a.client.inboxId),
    ]);
    expect(dmA.id).not.toBe(dmB.id);
    await dmA.sendText("a in its group");
    await dmB.sendText("b in its group");
    for (const p of [a, b]) await p.client.conversations.syncAll();
    for (const p of [a, b]) {
      const other = p === a ? b : a;
      const dms = await p.client.conversations.listDms();
      const withOther = dms.filter((d) => d.peerInboxId === other.client.inboxId);
      expect(withOther).toHaveLength(1);
      expect((await ourTexts(withOther[0]!)).sort()).toEqual(["a in its group", "b in its group"]);
      // Either group id finds the same stitched conversation.
      const viaA = await p.client.conversations.getConversationById(dmA.id);
      const viaB = await p.client.conversations.getConversationById(dmB.id);
      expect(viaA?.id).toBe(viaB?.id);
      expect((await p.client.conversations.getDmByInboxId(other.client.inboxId))?.id).toBe(
        viaA?.id,
      );
    }
    // A reply goes to the active group and is read by the other side in the same conversation.
    const active = (await b.client.conversations.getDmByInboxId(a.client.inboxId))!;
    await active.sendText("reply");
    await a.client.conversations.syncAll();
    const seen = (await a.client.conversations.getDmByInboxId(b.client.inboxId))!;
    expect(await ourTexts(seen)).toContain("reply");
    expect(await ourTexts(seen)).toHaveLength(3);
  });
});
