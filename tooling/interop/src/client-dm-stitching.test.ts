// Both sides create the DM at once: two MLS groups, one conversation. A DM's sync() reads every
// group stitched into it (as libxmtp's does), so the peer's messages to the other group arrive
// without a syncAll.
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { peer191, type SdkConversation, TempDir, texts191 } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

describe("a DM created by both sides at once (libxmtp 1.9.1)", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.db.close();
    dir.remove();
  });

  it("reads the peer's messages to the other stitched group on dm.sync()", async () => {
    const alice = await peer191(node.url, dir);
    const mine = await ours.client.conversations.createDm(alice.inboxId);
    const hers = (await alice.conversations.createDm(ours.client.inboxId)) as SdkConversation;
    expect(hers.id).not.toBe(mine.id);
    await mine.sendText("o1 to my group");
    await hers.sendText("a1 to her group");
    // We learn of her group (its welcome) but read none of its messages yet.
    await ours.client.conversations.sync();
    expect((await ours.client.conversations.listDms()).map((d) => d.id)).toHaveLength(1);
    await hers.sendText("a2 to her group");

    await mine.sync();
    expect((await ourTexts(mine)).sort()).toEqual(
      ["a1 to her group", "a2 to her group", "o1 to my group"].sort(),
    );
    // She reads ours once she syncs her conversations (her side stitches too).
    await alice.conversations.syncAll();
    const herDm = alice.conversations.getDmByInboxId(ours.client.inboxId) as SdkConversation;
    expect((await texts191(herDm)).sort()).toEqual(
      ["a1 to her group", "a2 to her group", "o1 to my group"].sort(),
    );
    expect(ours.skipped).toEqual([]);
  });
});
