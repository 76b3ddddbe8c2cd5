// Leaving a group with libxmtp 1.9.1 through @x/node, both sides: we leave a group whose super
// admin is libxmtp (its worker removes us); libxmtp leaves a group whose super admin is us (our
// durable task removes it, also after a restart when the request came while our workers were
// off). The refusals (DM, super admin, alone) are typed, and nobody forks.
import { createGrpcApiClient } from "@x/api-grpc";
import { encodeContent, LeaveRequestCodec } from "@x/content-types";
import { toHex } from "@x/crypto";
import { ContentType } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client, type Group } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import type { Client as SdkClient } from "@xmtp/node-sdk";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  randomWallet,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

describe("leaving groups with libxmtp 1.9.1", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let ours: OurPeer;
  let alice: SdkClient;
  let carol: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    ours = await ourPeer(node.url, dir);
    [alice, carol] = [await peer191(node.url, dir), await peer191(node.url, dir)];
  });
  afterAll(async () => {
    await node?.stop();
    await ours?.client.close();
    dir.remove();
  });

  const theirCopy = (client: SdkClient, id: string) =>
    eventually(async () => {
      await client.conversations.sync();
      const c = await client.conversations.getConversationById(id);
      if (c !== undefined) await c.sync();
      return c as SdkConversation | undefined;
    }, `the copy of ${id}`);
  type SdkGroup = SdkConversation & {
    requestRemoval(): Promise<void>;
    isPendingRemoval(): boolean;
    readonly isActive: boolean;
  };
  const memberIds = async (c: SdkConversation) => (await c.members()).map((m) => m.inboxId).sort();

  it("we leave: libxmtp's super admin removes us; the others go on", async () => {
    const theirs = (await alice.conversations.createGroup([
      ours.client.inboxId,
      carol.inboxId,
    ])) as SdkConversation;
    await theirs.sendText("hello all");
    await ours.client.conversations.sync();
    const group = (await ours.client.conversations.getConversationById(theirs.id)) as Group;
    await group.sync();
    await group.leaveGroup();
    expect(await group.isPendingRemoval()).toBe(true);
    await group.leaveGroup(); // asking again sends nothing more
    await theirs.sync();
    const leaves = (await theirs.messages()).filter(
      (m) => m.contentType?.typeId === "leave_request",
    );
    expect(leaves).toHaveLength(1);
    // alice's PendingSelfRemoveWorker commits our removal.
    await eventually(
      async () => {
        await theirs.sync();
        return !(await memberIds(theirs)).includes(ours.client.inboxId);
      },
      "alice removing us",
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    await group.sync();
    expect(await group.isActive()).toBe(false);
    await theirs.sendText("after we left");
    const carols = await theirCopy(carol, theirs.id);
    expect(await texts191(carols!)).toEqual(["hello all", "after we left"]);
    expect(await memberIds(carols!)).toEqual([alice.inboxId, carol.inboxId].sort());
    // Carol saw our leave request too: libxmtp lists us as left, not removed.
    const carolsUpdate = (await carols!.messages())
      .map((m) => m.content as { leftInboxes?: { inboxId: string }[] })
      .find((c) => (c?.leftInboxes?.length ?? 0) > 0);
    expect(carolsUpdate?.leftInboxes?.map((i) => i.inboxId)).toEqual([ours.client.inboxId]);
  });

  it("libxmtp leaves: our durable task removes it, and everyone still reads everyone", async () => {
    const group = await ours.client.conversations.createGroup([alice.inboxId, carol.inboxId]);
    await group.sendText("ours");
    const alices = (await theirCopy(alice, group.id)) as SdkGroup;
    await alices.requestRemoval();
    expect(alices.isPendingRemoval()).toBe(true);
    await group.sync();
    // libxmtp's LeaveRequest bytes are exactly what our codec encodes.
    const [theirRequest] = await ours.db.messages.list(group.groupId, {
      contentTypes: [ContentType.LeaveRequest],
    });
    expect(toHex(theirRequest!.decryptedMessageBytes)).toBe(
      toHex(encodeContent(new LeaveRequestCodec(), {})),
    );
    await eventually(
      async () => {
        await group.sync();
        return !(await group.members()).some((m) => m.inboxId === alice.inboxId);
      },
      "our task removing alice",
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(await group.pendingRemovals()).toEqual([]);
    expect((await ours.db.groups.get(group.groupId))?.hasPendingLeaveRequest).toBe(false);
    // Our transcript of the removal lists alice as left (libxmtp's left_inboxes), not removed.
    const update = (await group.messages())
      .filter((m) => m.kind === "membership_change")
      .map((m) => m.content as { leftInboxes: { inboxId: string }[]; removedInboxes: unknown[] })
      .at(-1)!;
    expect(update.leftInboxes.map((i) => i.inboxId)).toEqual([alice.inboxId]);
    expect(update.removedInboxes).toEqual([]);
    await alices.sync();
    expect(alices.isActive).toBe(false);
    await group.sendText("after alice left");
    const carols = (await theirCopy(carol, group.id))!;
    expect(await texts191(carols)).toEqual(["ours", "after alice left"]);
    await carols.sendText("from carol");
    await group.sync();
    expect((await ourTexts(group)).at(-1)).toBe("from carol");
  });

  it("a request received while our workers were off is acted on after a restart", async () => {
    const wallet = randomWallet();
    const path = dir.file("restart.sqlite");
    const open = async (disableWorkers: boolean) =>
      Client.create(privateKeyToAccount(wallet.privateKey), {
        api: createGrpcApiClient({ url: node.url }),
        db: await openSqlite({ path }),
        disableWorkers,
      });
    const first = await open(true);
    const group = await first.conversations.createGroup([alice.inboxId, carol.inboxId]);
    const alices = (await theirCopy(alice, group.id)) as SdkGroup;
    await alices.requestRemoval();
    await group.sync();
    expect(await group.pendingRemovals()).toEqual([alice.inboxId]);
    await first.close(); // nothing ran: no worker
    const second = await open(false);
    try {
      const again = (await second.conversations.getConversationById(group.id)) as Group;
      await eventually(
        async () => {
          await again.sync();
          return !(await again.members()).some((m) => m.inboxId === alice.inboxId);
        },
        "the restarted client removing alice",
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      expect(await again.pendingRemovals()).toEqual([]);
      await alices.sync();
      expect(alices.isActive).toBe(false);
    } finally {
      await second.close();
    }
  });

  it("refuses to leave a DM, as a super admin, or alone, with typed errors", async () => {
    const dm = await ours.client.conversations.createDm(alice.inboxId);
    await expect(dm.leaveGroup()).rejects.toMatchObject({ code: "CLIENT_LEAVE_REFUSED" });
    const mine = await ours.client.conversations.createGroup([alice.inboxId]);
    await expect(mine.leaveGroup()).rejects.toMatchObject({
      code: "CLIENT_LEAVE_REFUSED",
      message: expect.stringContaining("super admin"),
    });
    const alone = await ours.client.conversations.createGroup([]);
    await expect(alone.leaveGroup()).rejects.toMatchObject({ code: "CLIENT_LEAVE_REFUSED" });
    // Nothing was sent: alice's copy has no leave request.
    const alices = (await theirCopy(alice, mine.id))!;
    expect((await alices.messages()).some((m) => m.contentType?.typeId === "leave_request")).toBe(
      false,
    );
  });
});
