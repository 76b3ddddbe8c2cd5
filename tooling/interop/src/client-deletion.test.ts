// Message deletion with libxmtp 1.9.1 through @x/node. node-bindings 1.9.1 cannot send a
// DeleteMessage (only show them), so libxmtp is the receiver here: a deletion by the sender and by
// a super admin shows as deleted in libxmtp and in our clients; a deletion by someone else is
// refused by our client (typed) and, forged onto the wire anyway, ignored by libxmtp and by us.
import { DeleteMessageCodec } from "@x/content-types";
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, peer191, type SdkConversation, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer } from "./test-utils/our-client.js";

describe("message deletion with libxmtp 1.9.1", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let member: OurPeer;
  let alice: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    member = await ourPeer(node.url, dir);
    alice = await peer191(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.client.close();
    await member?.client.close();
    dir.remove();
  });

  /** libxmtp's view of a message: its text, or how it was deleted. */
  const theirView = async (c: SdkConversation, id: string) => {
    await c.sync();
    const m = (await c.messages()).find((x) => x.id === id);
    return m?.content;
  };

  it("deletions by the sender and by a super admin show everywhere; others' are refused or ignored", async () => {
    const group = await ours.client.conversations.createGroup([
      alice.inboxId,
      member.client.inboxId,
    ]);
    await member.client.conversations.sync();
    const membersCopy = (await member.client.conversations.getConversationById(group.id))!;
    const deletions = await member.client.conversations.streamMessageDeletions();
    const theirs = (await eventually(async () => {
      await alice.conversations.sync();
      return alice.conversations.getConversationById(group.id);
    }, "alice's copy")) as SdkConversation;

    // 1. The sender deletes its own message.
    const oops = await group.sendText("oops");
    expect(await theirView(theirs, oops)).toBe("oops");
    await group.deleteMessage(oops);
    const mine = (await group.messages()).find((m) => m.id === oops)!;
    expect(mine.contentType?.typeId).toBe("deletedMessage");
    expect(mine.content).toEqual({ deletedBy: "sender" });
    const aliceSees = await theirView(theirs, oops);
    expect(aliceSees).not.toBe("oops");
    expect(JSON.stringify(aliceSees, (_k, v) => (typeof v === "bigint" ? String(v) : v))).toMatch(
      /sender/i,
    );
    await membersCopy.sync();
    expect((await membersCopy.messages()).find((m) => m.id === oops)?.content).toEqual({
      deletedBy: "sender",
    });
    expect((await deletions.next()).value).toBe(oops);

    // 2. A super admin (us) deletes alice's message.
    const fromAlice = await theirs.sendText("from alice");
    await group.sync();
    await group.deleteMessage(fromAlice);
    expect((await group.messages()).find((m) => m.id === fromAlice)?.content).toEqual({
      deletedBy: "admin",
      adminInboxId: ours.client.inboxId,
    });
    const aliceSeesAdmin = await theirView(theirs, fromAlice);
    expect(aliceSeesAdmin).not.toBe("from alice");
    expect(
      JSON.stringify(aliceSeesAdmin, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
    ).toContain(ours.client.inboxId);

    // 3. A plain member may not delete alice's message: refused before anything is sent...
    const keep = await theirs.sendText("keep me");
    await membersCopy.sync();
    await expect(membersCopy.deleteMessage(keep)).rejects.toMatchObject({
      code: "CLIENT_NOT_PERMITTED",
    });
    // ... and forged onto the wire anyway, libxmtp and our other client ignore it.
    await membersCopy.send({ messageId: keep }, new DeleteMessageCodec());
    expect(await theirView(theirs, keep)).toBe("keep me");
    await group.sync();
    expect((await group.messages()).find((m) => m.id === keep)?.content).toBe("keep me");
    await membersCopy.sync();
    expect((await membersCopy.messages()).find((m) => m.id === keep)?.content).toBe("keep me");

    // 4. Transcript messages are not deletable; a deleted one cannot be deleted again.
    const transcript = (await group.messages()).find((m) => m.kind === "membership_change")!;
    await expect(group.deleteMessage(transcript.id)).rejects.toMatchObject({
      code: "CLIENT_NOT_DELETABLE",
    });
    await expect(group.deleteMessage(oops)).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });
    await expect(group.deleteMessage("zz")).rejects.toMatchObject({
      code: "CLIENT_INVALID_ARGUMENT",
    });

    // 5. A local-only delete drops the row here and nowhere else.
    expect(await member.client.conversations.deleteMessageById(keep)).toBe(true);
    expect((await membersCopy.messages()).some((m) => m.id === keep)).toBe(false);
    expect(await theirView(theirs, keep)).toBe("keep me");
    await deletions.end();
  });
});
