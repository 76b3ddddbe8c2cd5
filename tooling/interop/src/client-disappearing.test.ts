// Disappearing messages with libxmtp 1.9.1 through @x/node, both ways: settings made by libxmtp
// expire messages in our database (hidden at once, deleted by our worker within a second), and
// settings made by us expire our messages in libxmtp's. Removing the settings stops it.
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

const SEC_NS = 1_000_000_000n;
const nowNs = () => BigInt(Date.now()) * 1_000_000n;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("disappearing messages with libxmtp 1.9.1", () => {
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
    await ours?.client.close();
    dir.remove();
  });

  it("libxmtp's settings expire messages in our database: hidden on time, then deleted", async () => {
    const theirs = (await alice.conversations.createGroup([
      ours.client.inboxId,
    ])) as SdkConversation;
    await theirs.sendText("stays");
    await theirs.updateMessageDisappearingSettings(nowNs(), 2n * SEC_NS);
    await theirs.sendText("disappears");
    await ours.client.conversations.sync();
    const group = (await ours.client.conversations.getConversationById(theirs.id))!;
    await group.sync();
    expect(await group.messageDisappearingSettings()).toMatchObject({ inNs: 2n * SEC_NS });
    expect(await group.isMessageDisappearingEnabled()).toBe(true);
    const storedAt = nowNs();
    expect(await ourTexts(group)).toEqual(["stays", "disappears"]);
    const row = (await group.messages()).find((m) => m.content === "disappears")!;
    const stored = await ours.db.messages.get(Buffer.from(row.id, "hex"));
    // Expiry on our clock, from when we stored it; the message from before the settings never expires.
    expect(stored!.expireAtNs! - storedAt).toBeGreaterThan(SEC_NS);
    expect(stored!.expireAtNs! - storedAt).toBeLessThanOrEqual(2n * SEC_NS);
    const before = (await group.messages()).find((m) => m.content === "stays")!;
    expect((await ours.db.messages.get(Buffer.from(before.id, "hex")))!.expireAtNs).toBeNull();

    await sleep(Number((stored!.expireAtNs! - nowNs()) / 1_000_000n) + 10);
    // Past its time: never shown again, even if the worker has not run yet.
    expect(await ourTexts(group)).toEqual(["stays"]);
    await eventually(
      async () => (await ours.db.messages.get(Buffer.from(row.id, "hex"))) === undefined,
      "the worker deleting the expired row",
      { timeoutMs: 3_000, intervalMs: 50 },
    );
  });

  it("our settings expire our messages in libxmtp's database, and removing them stops it", async () => {
    const group = await ours.client.conversations.createGroup([alice.inboxId]);
    await group.updateMessageDisappearingSettings({ fromNs: nowNs(), inNs: 2n * SEC_NS });
    await group.sendText("gone soon");
    const theirs = (await eventually(async () => {
      await alice.conversations.sync();
      return alice.conversations.getConversationById(group.id);
    }, "alice's copy")) as SdkConversation;
    await theirs.sync();
    expect(theirs.isMessageDisappearingEnabled()).toBe(true);
    expect(theirs.messageDisappearingSettings()?.inNs).toBe(2n * SEC_NS);
    expect(await texts191(theirs)).toEqual(["gone soon"]);
    // Ours disappears in our database too (counted from its confirmation).
    await eventually(async () => (await ourTexts(group)).length === 0, "ours hidden", {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    await eventually(async () => (await texts191(theirs)).length === 0, "libxmtp deleting it", {
      timeoutMs: 6_000,
      intervalMs: 200,
    });

    await group.removeMessageDisappearingSettings();
    expect(await group.isMessageDisappearingEnabled()).toBe(false);
    await group.sendText("stays now");
    await theirs.sync();
    expect(theirs.isMessageDisappearingEnabled()).toBe(false);
    await sleep(3_000);
    expect(await texts191(theirs)).toEqual(["stays now"]);
    expect(await ourTexts(group)).toEqual(["stays now"]);
    await expect(
      group.updateMessageDisappearingSettings({ fromNs: -1n, inNs: 1n }),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
  });

  it("a DM made with settings has them on both sides", async () => {
    const dm = await ours.client.conversations.createDm(alice.inboxId, {
      messageDisappearing: { fromNs: nowNs(), inNs: 60n * SEC_NS },
    });
    await dm.sendText("hello");
    const theirs = (await eventually(async () => {
      await alice.conversations.sync();
      return alice.conversations.getConversationById(dm.id);
    }, "alice's DM")) as SdkConversation;
    await theirs.sync();
    expect(theirs.messageDisappearingSettings()?.inNs).toBe(60n * SEC_NS);
    expect(await dm.isMessageDisappearingEnabled()).toBe(true);
  });
});
