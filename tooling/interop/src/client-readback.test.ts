// Our own commit is validated again when it comes back, as libxmtp validates its own: with a
// fault injected between the publish and the read-back (the identity log of the inbox the commit
// adds disappears from our database, so the commit's membership can no longer be verified), the
// commit is not merged, its intent fails, and the caller gets CLIENT_COMMIT_INVALID. Our group
// stays where it was; the other members merged it (libxmtp's behaviour too; recovering from
// that is fork recovery's work).

import type { XmtpApiClient } from "@x/api";
import { createGrpcApiClient } from "@x/api-grpc";
import { IntentState } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client } from "@x/mls";
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
} from "./test-utils/libxmtp.js";

describe("our commit refused on read-back (fault injected)", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let alice: SdkClient;
  let carol: SdkClient;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    [alice, carol] = [await peer191(node.url, dir), await peer191(node.url, dir)];
  });
  afterAll(async () => {
    await node?.stop();
    dir.remove();
  });

  it("is not merged, fails its intent and tells the caller", async () => {
    let afterPublish: (() => Promise<void>) | undefined;
    const grpc = createGrpcApiClient({ url: node.url }) as unknown as Record<string, unknown>;
    const api = new Proxy(grpc, {
      get(target, prop) {
        const v = target[prop as string];
        if (typeof v !== "function") return v;
        return async (...args: unknown[]) => {
          const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (prop === "sendGroupMessages" && afterPublish !== undefined) {
            const hook = afterPublish;
            afterPublish = undefined;
            await hook();
          }
          return out;
        };
      },
    }) as unknown as XmtpApiClient;
    const db = await openSqlite({ path: dir.file("ours.sqlite") });
    const ours = await Client.create(privateKeyToAccount(randomWallet().privateKey), { api, db });
    try {
      const group = await ours.conversations.createGroup([alice.inboxId]);
      const epoch = await group.epoch();
      afterPublish = async () => {
        await db.kysely
          .deleteFrom("identity_updates")
          .where("inbox_id", "=", carol.inboxId)
          .execute();
      };
      const refused = await group.addMembers([carol.inboxId]).catch((e) => e);
      expect(refused).toMatchObject({ code: "CLIENT_COMMIT_INVALID" });
      expect(String(refused.message)).toContain("not merged");
      expect(await group.epoch()).toBe(epoch);
      expect((await group.members()).map((m) => m.inboxId).sort()).toEqual(
        [alice.inboxId, ours.inboxId].sort(),
      );
      expect(await db.intents.find(group.groupId, [IntentState.Error])).toHaveLength(1);
      // The commit is on the node: libxmtp, which can verify it, merged it.
      const theirs = (await eventually(async () => {
        await alice.conversations.sync();
        return alice.conversations.getConversationById(group.id);
      }, "alice's copy")) as SdkConversation;
      await theirs.sync();
      expect((await theirs.debugInfo()).epoch).toBe(epoch + 1n);
    } finally {
      await ours.close();
    }
  });
});
