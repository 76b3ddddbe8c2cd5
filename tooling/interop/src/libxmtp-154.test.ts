// Real libxmtp 1.5.4 clients (@xmtp/node-bindings) against @x/node.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type RunningNode, startNode } from "@x/node";
import type { Message } from "@xmtp/node-bindings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  type Peer154,
  peer154,
  randomWallet,
  TempDir,
  textContent,
  texts154,
} from "./test-utils/libxmtp.js";

const run = promisify(execFile);
const PEER_SCRIPT = fileURLToPath(new URL("./test-utils/peer-154.mjs", import.meta.url));

describe("libxmtp 1.5.4 clients through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let alice: Peer154;
  let bob: Peer154;
  let carol: Peer154;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    [alice, bob, carol] = await Promise.all([
      peer154(node.url, dir),
      peer154(node.url, dir),
      peer154(node.url, dir),
    ]);
  });
  afterAll(async () => {
    await node?.stop();
    dir.remove();
  });

  it("registers clients that find each other", async () => {
    for (const p of [alice, bob, carol]) expect(p.client.isRegistered()).toBe(true);
    const stranger = randomWallet();
    const can = await alice.client.canMessage([
      bob.wallet.identifier as never,
      stranger.identifier as never,
    ]);
    expect(can).toEqual({
      [bob.wallet.identifier.identifier]: true,
      [stranger.identifier.identifier]: false,
    });
    expect(await alice.client.findInboxIdByIdentifier(bob.wallet.identifier as never)).toBe(
      bob.client.inboxId(),
    );
    // The node holds what they registered: a key package each and one identity update each.
    const kps = await node.store.fetchKeyPackages(
      [alice, bob, carol].map((p) => p.client.installationIdBytes()),
    );
    expect(kps.every((kp) => kp !== undefined)).toBe(true);
    expect(await node.store.inboxLogCount(bob.client.inboxId())).toBe(1);
  });

  it("creates a DM and exchanges messages both ways", async () => {
    const dm = await alice.client.conversations().createDm(bob.wallet.identifier as never);
    await dm.send(textContent("hello bob"));
    await bob.client.conversations().sync();
    const bobDm = bob.client.conversations().findDmByTargetInboxId(alice.client.inboxId());
    await bobDm.sync();
    expect(await texts154(bobDm)).toEqual(["hello bob"]);
    await bobDm.send(textContent("hi alice"));
    await dm.sync();
    expect(await texts154(dm)).toEqual(["hello bob", "hi alice"]);
  });

  it("streams live messages (the stream opens with no traffic waiting)", async () => {
    const received: string[] = [];
    const closer = bob.client.conversations().streamAllMessages(
      (err: Error | null, m: Message | undefined) => {
        if (!err && m?.content.type?.typeId === "text")
          received.push(new TextDecoder().decode(m.content.content));
      },
      () => {},
    );
    await closer.waitForReady();
    const dm = alice.client.conversations().findDmByTargetInboxId(bob.client.inboxId());
    await dm.send(textContent("live one"));
    await dm.send(textContent("live two"));
    await eventually(
      async () => received.includes("live two"),
      "bob's stream to deliver both messages",
    );
    expect(received.filter((t) => t.startsWith("live"))).toEqual(["live one", "live two"]);
    closer.end();
  });

  it("creates a group, adds and removes members", async () => {
    const group = await alice.client.conversations().createGroup([bob.wallet.identifier as never]);
    await group.send(textContent("hello group"));
    await bob.client.conversations().sync();
    const bobGroup = bob.client.conversations().findGroupById(group.id());
    await bobGroup.sync();
    expect(await texts154(bobGroup)).toEqual(["hello group"]);

    await group.addMembers([carol.wallet.identifier as never]);
    await carol.client.conversations().sync();
    const carolGroup = carol.client.conversations().findGroupById(group.id());
    await carolGroup.sync();
    expect((await carolGroup.listMembers()).map((m) => m.inboxId).sort()).toEqual(
      [alice, bob, carol].map((p) => p.client.inboxId()).sort(),
    );
    await carolGroup.send(textContent("carol here"));
    await group.sync();
    expect(await texts154(group)).toEqual(["hello group", "carol here"]);

    await group.removeMembers([bob.wallet.identifier as never]);
    await group.send(textContent("after bob left"));
    await bobGroup.sync();
    expect(bobGroup.isActive()).toBe(false);
    expect(await texts154(bobGroup)).not.toContain("after bob left");
    await carolGroup.sync();
    // Carol joined after "hello group": MLS gives her only what was sent from then on.
    expect(await texts154(carolGroup)).toEqual(["carol here", "after bob left"]);
    expect((await carolGroup.listMembers()).map((m) => m.inboxId).sort()).toEqual(
      [alice, carol].map((p) => p.client.inboxId()).sort(),
    );
  });

  it("resumes a client restarted on the same database with nothing lost or duplicated", async () => {
    const dave = randomWallet();
    const base = {
      url: node.url,
      dbPath: dir.file("dave.db3"),
      dbKeyHex: randomBytes(32).toString("hex"),
      privateKey: dave.privateKey,
    };
    const runDave = async (extra: { peerInboxId?: string; send?: string } = {}) => {
      const { stdout } = await run(
        process.execPath,
        [PEER_SCRIPT, JSON.stringify({ ...base, ...extra })],
        {
          timeout: 50_000,
        },
      );
      return JSON.parse(stdout) as {
        inboxId: string;
        installationId: string;
        registeredBefore: boolean;
        texts: string[];
        ids: string[];
      };
    };
    const first = await runDave();
    expect(first.registeredBefore).toBe(false);

    const dm = await alice.client.conversations().createDm(dave.identifier as never);
    await dm.send(textContent("one"));
    await dm.send(textContent("two"));
    const second = await runDave({ peerInboxId: alice.client.inboxId(), send: "dave is back" });
    expect([second.registeredBefore, second.inboxId, second.installationId]).toEqual([
      true,
      first.inboxId,
      first.installationId,
    ]);
    expect(second.texts).toEqual(["one", "two", "dave is back"]);

    await dm.send(textContent("three"));
    const third = await runDave({ peerInboxId: alice.client.inboxId() });
    expect(third.texts).toEqual(["one", "two", "dave is back", "three"]);
    expect(new Set(third.ids).size).toBe(third.ids.length);
    expect(third.ids.slice(0, 3)).toEqual(second.ids);
    await dm.sync();
    expect(await texts154(dm)).toEqual(["one", "two", "dave is back", "three"]);
  });
});
