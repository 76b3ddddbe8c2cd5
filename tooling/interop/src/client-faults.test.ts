// Faults that used to fail a call although nothing was wrong (found by the adversarial run):
// a member's first send whose key-update commit keeps losing the epoch to others' commits, and a
// registration whose answer from the node was lost (the retry then looks like a second create).
import { ApiError, type XmtpApiClient } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  peer191,
  randomWallet,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

/** A gRPC client whose calls of `method` run `hook` (after or instead of answering). */
function hooked(
  url: string,
  method: string,
  hook: (call: () => Promise<unknown>, n: number) => Promise<unknown>,
): XmtpApiClient {
  const inner = createGrpcApiClient({ url }) as unknown as Record<string, unknown>;
  let n = 0;
  return new Proxy(inner, {
    get(target, prop) {
      const v = target[prop as string];
      if (typeof v !== "function") return v;
      if (prop !== method) return v.bind(target);
      return (...args: unknown[]) =>
        hook(() => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args), ++n);
    },
  }) as unknown as XmtpApiClient;
}

describe("calls that must not fail because of others or of a lost answer", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let alice: OurPeer;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    alice = await ourPeer(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await alice?.client.close();
    dir.remove();
  });

  it("a first send goes out even when its key update loses the epoch every time", async () => {
    const group = await alice.client.conversations.createGroup([]);
    const wallet = randomWallet();
    let racing = true;
    // Before each of bob's commits reaches the node, alice commits first: bob's is stale.
    const api = hooked(node.url, "sendGroupMessages", async (call) => {
      if (racing) await group.rotateKey();
      return call();
    });
    const bob = await Client.create(privateKeyToAccount(wallet.privateKey), {
      api,
      db: await openSqlite({ path: dir.file("bob.sqlite") }),
    });
    try {
      racing = false;
      await group.addMembers([bob.inboxId]);
      await bob.conversations.sync();
      const mine = (await bob.conversations.getConversationById(group.id))!;
      await mine.sync();
      racing = true;
      const id = await mine.sendText("first message, whatever the others do");
      racing = false;
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      await group.sync();
      expect(await ourTexts(group)).toEqual(["first message, whatever the others do"]);
      // The key update is tried again before the next send, and then goes through.
      await mine.sendText("second");
      await group.sync();
      expect(await ourTexts(group)).toEqual(["first message, whatever the others do", "second"]);
      expect(await mine.epoch()).toBe(await group.epoch());
    } finally {
      await bob.close();
    }
  });

  it("registration succeeds when the node stored the identity update but its answer was lost", async () => {
    let lost = 0;
    const api = hooked(node.url, "publishIdentityUpdate", async (call, n) => {
      const out = await call();
      if (n === 1) {
        lost++;
        throw ApiError.connectionLost("the answer was lost on the way", {
          rpc: "xmtp.identity.api.v1.IdentityApi/PublishIdentityUpdate",
        });
      }
      return out;
    });
    const wallet = randomWallet();
    const carol = await Client.create(privateKeyToAccount(wallet.privateKey), {
      api,
      db: await openSqlite({ path: dir.file("carol.sqlite") }),
    });
    try {
      expect(lost).toBe(1);
      const state = await carol.inboxState();
      expect(state.installations.map((i) => i.id)).toEqual([carol.installationId]);
      // And the inbox works: libxmtp 1.9.1 can message it.
      const libxmtp = await peer191(node.url, dir);
      const dm = (await libxmtp.conversations.createDm(carol.inboxId)) as SdkConversation;
      await dm.sendText("hello carol");
      await carol.conversations.sync();
      const mine = (await carol.conversations.getConversationById(dm.id))!;
      await mine.sync();
      expect(await ourTexts(mine)).toEqual(["hello carol"]);
      await mine.sendText("hi");
      expect(await texts191(dm)).toEqual(["hello carol", "hi"]);
    } finally {
      await carol.close();
    }
  });
});
