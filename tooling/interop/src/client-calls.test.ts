// Network calls of our client per operation, counted at @x/node (issue 8): syncAll asks for the
// newest message of every group in one call and syncs only the groups that have something new;
// a send is one publish and one read back.
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

describe("network calls of our client", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let calls: string[] = [];
  let alice: OurPeer;
  let bob: OurPeer;

  beforeAll(async () => {
    node = await startNode({
      port: 0,
      webPort: null,
      db: dir.file("node.sqlite"),
      onCall: (method) => calls.push(method),
    });
    [alice, bob] = await Promise.all([ourPeer(node.url, dir), ourPeer(node.url, dir)]);
  });
  afterAll(async () => {
    await node?.stop();
    await alice?.db.close();
    await bob?.db.close();
    dir.remove();
  });

  const counted = async (run: () => Promise<unknown>) => {
    calls = [];
    await run();
    const out: Record<string, number> = {};
    for (const c of calls) out[c] = (out[c] ?? 0) + 1;
    return out;
  };

  it("syncAll with nothing new makes two calls; with news it syncs only those groups", async () => {
    const groups = [];
    for (let i = 0; i < 5; i++) {
      groups.push(await alice.client.conversations.createGroup([bob.client.inboxId]));
    }
    await bob.client.conversations.syncAll();
    expect(await counted(() => bob.client.conversations.syncAll())).toEqual({
      QueryWelcomeMessages: 1,
      GetNewestGroupMessage: 1,
    });

    await groups[1]!.sendText("one");
    await groups[3]!.sendText("three");
    let result: { conversations: number; messages: number } | undefined;
    expect(
      await counted(async () => {
        result = await bob.client.conversations.syncAll();
      }),
    ).toEqual({ QueryWelcomeMessages: 1, GetNewestGroupMessage: 1, QueryGroupMessages: 2 });
    expect(result).toEqual({ conversations: 5, messages: 2 });
    for (const [i, g] of groups.entries()) {
      const theirs = (await bob.client.conversations.getConversationById(g.id))!;
      expect(await ourTexts(theirs)).toEqual(i === 1 ? ["one"] : i === 3 ? ["three"] : []);
    }
    expect(bob.skipped).toEqual([]);
  });

  it("a send publishes once and reads back once", async () => {
    const group = await alice.client.conversations.createGroup([bob.client.inboxId]);
    await group.sendText("first");
    expect(await counted(() => group.sendText("second"))).toEqual({
      SendGroupMessages: 1,
      QueryGroupMessages: 1,
    });
    await bob.client.conversations.syncAll();
    const theirs = (await bob.client.conversations.getConversationById(group.id))!;
    expect(await ourTexts(theirs)).toEqual(["first", "second"]);
  });
});
