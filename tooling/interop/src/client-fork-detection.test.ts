// Fork detection (libxmtp's local signal): a node that withholds a commit from one member makes
// that member see a message from an epoch ahead of its own. It is skipped with a typed error,
// and the group says it may be forked (debugInfo), as libxmtp marks maybe_forked.
import type { XmtpApiClient } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomWallet, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer } from "./test-utils/our-client.js";

/** A gRPC client whose group-message queries leave out the messages with the ids in `hidden`. */
function withholding(url: string, hidden: Set<bigint>): XmtpApiClient {
  const inner = createGrpcApiClient({ url, appVersion: "fork-detection" });
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== "queryGroupMessages" || typeof v !== "function") return v;
      return async (...args: unknown[]) => {
        const res = await (
          v as (...a: unknown[]) => Promise<{ messages: { version: { value?: { id: bigint } } }[] }>
        ).apply(target, args);
        res.messages = res.messages.filter((m) => !hidden.has(m.version.value?.id ?? 0n));
        return res;
      };
    },
  });
}

describe("fork detection", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let a: OurPeer;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    a = await ourPeer(node.url, dir);
  });
  afterAll(async () => {
    await a?.client.close();
    await node?.stop();
    dir.remove();
  });

  it("marks a group maybe forked when a message comes from an epoch ahead of ours", async () => {
    const hidden = new Set<bigint>();
    const skipped: unknown[] = [];
    const db = await openSqlite({ path: dir.file("b.sqlite") });
    const b = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
      api: withholding(node.url, hidden),
      db,
      disableWorkers: true,
      onSkipped: (e) => skipped.push(e),
    });
    try {
      const group = await a.client.conversations.createGroup([b.inboxId]);
      await b.conversations.sync();
      const gb = (await b.conversations.getConversationById(group.id))!;
      await gb.sync();
      expect((await gb.debugInfo()).maybeForked).toBe(false);

      await group.updateName("renamed"); // a commit b will never see
      const raw = createGrpcApiClient({ url: node.url, appVersion: "fork-detection" });
      const latest = await raw.queryGroupMessages({
        groupId: group.groupId,
        pagingInfo: { direction: 2 /* DESCENDING */, limit: 1, idCursor: 0n },
      } as never);
      hidden.add(latest.messages[0]!.version.value!.id);
      await group.sendText("from the next epoch");

      await gb.sync();
      expect(skipped.map((e) => (e as { code?: string }).code)).toContain("MLS_EPOCH_IN_FUTURE");
      const info = await gb.debugInfo();
      expect(info.maybeForked).toBe(true);
      expect(info.forkDetails).toMatch(/may be forked/);
      expect(info.epoch).toBeLessThan(await group.epoch());
      // a, which saw everything, is not.
      expect((await group.debugInfo()).maybeForked).toBe(false);
      // Kept across a restart of b's client.
      expect((await db.groups.get(group.groupId))?.maybeForked).toBe(true);
    } finally {
      await b.close();
    }
  }, 60_000);
});
