// Network calls of our client per operation, counted at @x/node (issue 8): syncAll asks for the
// newest message of every group in one call and syncs only the groups that have something new;
// a send is one publish and one read back; a group creation or member addition is one
// identity request per 50 inboxes, one key-package fetch, one publish, one read back and one
// welcome request per 25 MiB (libxmtp 1.5.4 makes 6 calls for 10 members and 8 for 100).
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
  let quiet: () => Promise<OurPeer>;

  beforeAll(async () => {
    node = await startNode({
      port: 0,
      webPort: null,
      db: dir.file("node.sqlite"),
      onCall: (method) => calls.push(method),
    });
    // No background work: the node counts every client's calls.
    quiet = () => ourPeer(node.url, dir, undefined, undefined, "v3", { disableWorkers: true });
    [alice, bob] = await Promise.all([quiet(), quiet()]);
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

  it("creating a group with N members costs no more calls than libxmtp 1.5.4 (6 for 10, 8 for 100)", async () => {
    // libxmtp 1.5.4, counted at this node by tooling/bench: 10 members {GetIdentityUpdates 1,
    // FetchKeyPackages 2, SendGroupMessages 1, QueryGroupMessages 1, SendWelcomeMessages 1}.
    // Ours: identity updates in chunks of 50 inboxes, one FetchKeyPackages for all
    // installations, one publish and one read back, welcomes by 25 MiB chunks.
    // The members do no background work either (a key-package rotation 5 s after their welcome
    // would be counted here on a slow machine).
    const others = await Promise.all(Array.from({ length: 60 }, quiet));
    try {
      const ids = others.map((p) => p.client.inboxId);
      for (const n of [10, 60]) {
        const byMethod = await counted(() =>
          alice.client.conversations.createGroup(ids.slice(0, n)),
        );
        expect(byMethod).toEqual({
          GetIdentityUpdates: Math.ceil((n + 1) / 50),
          FetchKeyPackages: 1,
          SendGroupMessages: 1,
          QueryGroupMessages: 1,
          SendWelcomeMessages: 1,
        });
      }
      // The members really joined: the last one reads the group from its welcome.
      const last = others[59]!;
      await last.client.conversations.sync();
      const joined = await last.client.conversations.listGroups();
      expect(joined).toHaveLength(1);
      expect(await joined[0]!.members()).toHaveLength(61);
      // Adding one member to the 61-member group: 2 identity chunks, one of each other call.
      const group = (await alice.client.conversations.getConversationById(joined[0]!.id))!;
      expect(await counted(() => group.addMembers([bob.client.inboxId]))).toEqual({
        GetIdentityUpdates: 2,
        FetchKeyPackages: 1,
        SendGroupMessages: 1,
        QueryGroupMessages: 1,
        SendWelcomeMessages: 1,
      });
    } finally {
      await Promise.all(others.map((p) => p.db.close()));
    }
  }, 180_000);
});
