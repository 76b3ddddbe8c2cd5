// Crash safety of our client's intents through @x/node: a child process runs our client on a
// SQLite file and kills itself (SIGKILL) just before or just after publishing a message, a commit
// or its welcomes; a new process on the same file then syncs. Nothing is lost, nothing is
// duplicated, and every member ends in the same epoch (no fork). Run on v3 (@x/api-grpc) and on
// d14n (@x/api-d14n to the node's d14n listener).

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createD14nApiClient } from "@x/api-d14n";
import { createGrpcApiClient } from "@x/api-grpc";
import { IntentState } from "@x/db";
import { openSqlite } from "@x/db/sqlite";
import { Client, ClientError } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomWallet, TempDir } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";

const run = promisify(execFile);
const script = fileURLToPath(new URL("./test-utils/crash-client.mjs", import.meta.url));

interface Crash {
  method: "sendGroupMessages" | "sendWelcomeMessages" | "transaction";
  call: number;
  when: "before" | "after";
}

interface Output {
  inboxId: string;
  groupId?: string;
  texts?: { text: string; status: string }[];
  epoch?: string;
  members?: string[];
  intents?: number[];
}

describe.each(["v3", "d14n"] as const)(
  "our client on %s: intents survive a crash (child process killed, restarted on the same file)",
  (network) => {
    const dir = new TempDir();
    let node: RunningNode;
    let url: string;
    let b: OurPeer;
    const opened: OurPeer[] = [];
    let n = 0;
    const peer = () => ourPeer(url, dir, undefined, undefined, network);

    beforeAll(async () => {
      node = await startNode({
        port: 0,
        webPort: null,
        d14nPort: network === "d14n" ? 0 : null,
        db: dir.file("node.sqlite"),
      });
      url = network === "d14n" ? node.d14nUrl! : node.url;
      b = await peer();
      opened.push(b);
    });
    afterAll(async () => {
      await node?.stop();
      for (const p of opened) await p.db.close();
      dir.remove();
    });

    /** A crashing process's own client (wallet + database file) and helpers to run it. */
    async function crashingClient() {
      const wallet = randomWallet();
      const dbPath = dir.file(`crash-${n++}.sqlite`);
      const child = async (action: Record<string, unknown>, crash?: Crash) => {
        const arg = JSON.stringify({
          url,
          network,
          dbPath,
          privateKey: wallet.privateKey,
          ...action,
          ...(crash === undefined ? {} : { crash }),
        });
        try {
          const { stdout } = await run(process.execPath, [script, arg], { timeout: 45_000 });
          if (crash !== undefined)
            throw new Error(`the child did not crash at ${JSON.stringify(crash)}`);
          return JSON.parse(stdout) as Output;
        } catch (e) {
          const err = e as { signal?: string; stderr?: string };
          if (crash !== undefined && err.signal === "SIGKILL") return undefined;
          throw new Error(`child failed: ${err.stderr ?? String(e)}`);
        }
      };
      const setup = (await child({ action: "setup", members: [b.client.inboxId] }))!;
      await b.client.conversations.sync();
      const gb = (await b.client.conversations.getConversationById(setup.groupId!))!;
      await gb.sync();
      return { child, groupId: setup.groupId!, inboxId: setup.inboxId, gb };
    }

    for (const when of ["before", "after"] as const) {
      it(`a message whose process died ${when} publishing is delivered exactly once`, async () => {
        const { child, groupId, gb } = await crashingClient();
        const killed = await child(
          { action: "send", groupId, text: `crash ${when}` },
          { method: "sendGroupMessages", call: 1, when },
        );
        expect(killed).toBeUndefined();
        await gb.sync();
        expect(await ourTexts(gb)).toEqual(when === "after" ? [`crash ${when}`] : []);

        const resumed = (await child({ action: "sync", groupId }))!;
        expect(resumed.texts).toEqual([{ text: `crash ${when}`, status: "published" }]);
        expect(resumed.intents!.every((s) => s === IntentState.Processed)).toBe(true);
        await gb.sync();
        expect(await ourTexts(gb)).toEqual([`crash ${when}`]);
        // One copy on the node: the group's application messages are the one text.
        const again = (await child({ action: "sync", groupId }))!;
        expect(again.texts).toHaveLength(1);
        expect(again.epoch).toBe(String(await gb.epoch()));
        await gb.sendText("reply");
        expect((await child({ action: "sync", groupId }))!.texts!.map((t) => t.text)).toEqual([
          `crash ${when}`,
          "reply",
        ]);
        expect(b.skipped).toEqual([]);
      });
    }

    const commitCrashes: [string, Crash][] = [
      ["before publishing the commit", { method: "sendGroupMessages", call: 1, when: "before" }],
      ["after publishing the commit", { method: "sendGroupMessages", call: 1, when: "after" }],
      [
        "after the merge, before the welcomes",
        { method: "sendWelcomeMessages", call: 1, when: "before" },
      ],
    ];
    for (const [where, crash] of commitCrashes) {
      it(`adding a member survives a crash ${where}: one commit, the welcome arrives, no fork`, async () => {
        const { child, groupId, inboxId, gb } = await crashingClient();
        const c = await peer();
        opened.push(c);
        const epochBefore = await gb.epoch();
        expect(
          await child({ action: "add", groupId, members: [c.client.inboxId] }, crash),
        ).toBeUndefined();
        expect(await c.client.conversations.sync()).toEqual([]);

        const resumed = (await child({ action: "sync", groupId }))!;
        expect(resumed.members).toEqual([inboxId, b.client.inboxId, c.client.inboxId].sort());
        expect(resumed.intents!.every((s) => s === IntentState.Processed)).toBe(true);
        // Exactly one commit on top of the epoch before: nothing was applied twice.
        expect(BigInt(resumed.epoch!)).toBe(epochBefore + 1n);
        const joined = await c.client.conversations.sync();
        expect(joined.map((j) => j.id)).toEqual([groupId]);
        await gb.sync();
        const gc = joined[0]!;
        await gc.sync();
        expect(await gb.epoch()).toBe(BigInt(resumed.epoch!));
        expect(await gc.epoch()).toBe(BigInt(resumed.epoch!));
        await gc.sendText("new member here");
        await gb.sync();
        expect(await ourTexts(gb)).toEqual(["new member here"]);
        const final = (await child({ action: "sync", groupId }))!;
        expect(final.texts!.map((t) => t.text)).toEqual(["new member here"]);
        // A second sync sends no welcome again (the intent is processed).
        expect(await c.client.conversations.sync()).toEqual([]);
        expect([...b.skipped, ...c.skipped]).toEqual([]);
      });
    }
    for (const when of ["before", "after"] as const) {
      it(`a sync killed ${when} committing a batch of messages keeps whole batches only`, async () => {
        const { child, groupId, gb } = await crashingClient();
        const texts = Array.from({ length: 250 }, (_, i) => `batch ${i}`);
        for (const t of texts) await gb.sendText(t);
        // The action's transactions: b's key-update commit (its first send rotates its key), then
        // runs of up to 100 messages each. Killed at the third: the second run of 100.
        const crash: Crash = { method: "transaction", call: 3, when };
        expect(await child({ action: "sync", groupId }, crash)).toBeUndefined();
        const kept = (await child({ action: "read", groupId }))!;
        expect(kept.texts!.map((t) => t.text)).toEqual(
          texts.slice(0, when === "before" ? 100 : 200),
        );

        const resumed = (await child({ action: "sync", groupId }))!;
        expect(resumed.texts!.map((t) => t.text)).toEqual(texts);
        expect(resumed.epoch).toBe(String(await gb.epoch()));
        expect(b.skipped).toEqual([]);
      });
    }

    it("retries welcomes and messages whose API call failed, on the next sync", async () => {
      const grpc =
        network === "d14n"
          ? createD14nApiClient({ gatewayUrl: url })
          : createGrpcApiClient({ url });
      const failNext = new Set<string>();
      const api = new Proxy(grpc, {
        get(target, prop) {
          const value = Reflect.get(target, prop);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            if (failNext.delete(String(prop))) {
              return Promise.reject(new Error(`injected failure of ${String(prop)}`));
            }
            return value.apply(target, args);
          };
        },
      });
      const db = await openSqlite({ path: dir.file("failing.sqlite") });
      try {
        const ours = await Client.create(privateKeyToAccount(randomWallet().privateKey), {
          api,
          db,
        });
        const c = await peer();
        opened.push(c);
        const g = await ours.conversations.createGroup([b.client.inboxId]);
        await b.client.conversations.sync();
        const gb = (await b.client.conversations.getConversationById(g.id))!;

        failNext.add("sendWelcomeMessages");
        const error = await g.addMembers([c.client.inboxId]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ClientError);
        expect((error as ClientError).code).toBe("CLIENT_WELCOME_SEND_FAILED");
        expect((error as ClientError).retryable).toBe(true);
        const states = async () =>
          (await db.intents.find(g.groupId, [1, 2, 3, 4, 5, 6])).map((i) => i.state);
        expect(await states()).toContain(IntentState.Committed);
        expect(await c.client.conversations.sync()).toEqual([]);
        await g.sync();
        expect((await states()).every((s) => s === IntentState.Processed)).toBe(true);
        const [gc] = await c.client.conversations.sync();
        await gc!.sync();
        expect(await gc!.epoch()).toBe(await g.epoch());

        failNext.add("sendGroupMessages");
        await expect(g.sendText("first try failed")).rejects.toThrow(/injected failure/);
        const mine = (await g.messages({ includeTranscript: false })).map((m) => m.deliveryStatus);
        expect(mine).toEqual(["unpublished"]);
        await g.sync();
        expect(
          (await g.messages({ includeTranscript: false })).map((m) => m.deliveryStatus),
        ).toEqual(["published"]);
        for (const x of [gb, gc!]) {
          await x.sync();
          expect(await ourTexts(x)).toEqual(["first try failed"]);
        }
        expect([...b.skipped, ...c.skipped]).toEqual([]);
      } finally {
        await db.close();
      }
    });
  },
);
