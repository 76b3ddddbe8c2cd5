// A node restart in the middle of our client's streams: @x/node is stopped and started again on
// the same SQLite file and port while messages keep being sent (before, during and after). The
// streams reconnect from their cursors; every message arrives exactly once, in order.
import { type RunningNode, startNode } from "@x/node";
import { afterAll, describe, expect, it } from "vitest";
import { type Peer154, peer154, TempDir, textContent } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { delay, record, textsOf, until } from "./test-utils/streams.js";

describe("our streams across a restart of @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode | undefined;
  const peers: OurPeer[] = [];

  afterAll(async () => {
    await node?.stop();
    for (const p of peers) await p.db.close();
    dir.remove();
  });

  it("misses nothing and duplicates nothing when the node restarts mid-stream", async () => {
    const db = dir.file("node.sqlite");
    node = await startNode({ port: 0, webPort: null, db });
    const { port, url } = node;
    const a = await ourPeer(url, dir);
    const b = await ourPeer(url, dir);
    peers.push(a, b);
    const l: Peer154 = await peer154(url, dir);
    const ga = await a.client.conversations.createGroup([b.client.inboxId, l.client.inboxId()]);
    await b.client.conversations.sync();
    const gb = (await b.client.conversations.getConversationById(ga.id))!;
    await l.client.conversations().sync();
    const gl = l.client.conversations().findGroupById(ga.id);
    await gl.sync();

    const retries: number[] = [];
    const errors: unknown[] = [];
    const retry = { initialDelayMs: 100, maxDelayMs: 1_000 };
    const all = await b.client.conversations.streamAllMessages({
      retry,
      onRetry: ({ attempt }) => retries.push(attempt),
      onError: (e) => errors.push(e),
    });
    const allRec = record(all);
    const one = await gb.stream({ retry });
    const oneRec = record(one);

    // Our sender keeps sending (its API calls retry while the node is away).
    const sent: string[] = [];
    let sending = true;
    const sender = (async () => {
      for (let i = 0; sending; i++) {
        await ga.sendText(`m${i}`);
        sent.push(`m${i}`);
        await delay(25);
      }
    })();
    await gl.send(textContent("libxmtp before"));
    const afterLib = sent.length;

    await until(() => sent.length >= afterLib + 5, "messages before the restart");
    await node.stop();
    const atStop = sent.length;
    await delay(1_000); // the sender's current send is waiting for the node
    node = await startNode({ port, webPort: null, db });
    await until(
      () => sent.length >= atStop + 5,
      "messages after the restart",
      () => sent.length,
    );
    await gl.sync();
    await gl.send(textContent("libxmtp after"));
    await until(() => sent.length >= atStop + 8, "more messages after the restart");
    sending = false;
    await sender;

    const expectedCount = sent.length + 2;
    await until(
      () =>
        textsOf(allRec.values).length >= expectedCount &&
        textsOf(oneRec.values).length >= expectedCount,
      "every message in both streams",
      () => ({ sent, all: textsOf(allRec.values), one: textsOf(oneRec.values) }),
    );
    await delay(500);

    // libxmtp's messages interleave with the sender's somewhere: check each sender's order, that
    // nothing is repeated, and that the stream order is the stored (server) order.
    for (const got of [textsOf(allRec.values), textsOf(oneRec.values)]) {
      expect(got.length).toBe(expectedCount);
      expect(new Set(got).size).toBe(expectedCount);
      expect(got.filter((t) => t.startsWith("m"))).toEqual(sent);
      expect(got.filter((t) => t.startsWith("libxmtp"))).toEqual([
        "libxmtp before",
        "libxmtp after",
      ]);
      expect(got).toEqual(await ourTexts(gb)); // the stored order is the streamed order
    }
    expect(retries.length).toBeGreaterThan(0); // it really reconnected
    expect(errors.length).toBeGreaterThan(0);

    await all.end();
    await one.end();
    await Promise.all([allRec.finished, oneRec.finished]);
    expect(b.skipped).toEqual([]);
  });

  it("keeps streaming across many restarts in a row, each reconnection succeeding", async () => {
    const db = dir.file("node-many.sqlite");
    let n = await startNode({ port: 0, webPort: null, db });
    node = n;
    const { port, url } = n;
    const a = await ourPeer(url, dir);
    const b = await ourPeer(url, dir);
    peers.push(a, b);
    const ga = await a.client.conversations.createGroup([b.client.inboxId]);
    await b.client.conversations.sync();
    const retry = { initialDelayMs: 50, maxDelayMs: 200 };
    const retries: number[] = [];
    const all = await b.client.conversations.streamAllMessages({
      retry,
      onRetry: ({ attempt }) => retries.push(attempt),
    });
    const conversations = await b.client.conversations.stream({ retry });
    const allRec = record(all);
    const convRec = record(conversations);
    // More restarts than the retry policy's 10 attempts: nothing is delivered in between, but
    // every reconnection is accepted, so the streams never give up.
    for (let i = 0; i < 12; i++) {
      await n.stop();
      await delay(100);
      n = await startNode({ port, webPort: null, db });
      node = n;
      await delay(400);
    }
    expect(all.isDone).toBe(false);
    expect(conversations.isDone).toBe(false);
    expect(Math.max(...retries)).toBeLessThan(10);
    await ga.sendText("after twelve restarts");
    const g2 = await a.client.conversations.createGroup([b.client.inboxId]);
    await until(
      () =>
        textsOf(allRec.values).includes("after twelve restarts") &&
        convRec.values.some((c) => c.id === g2.id),
      "a message and a new conversation after the restarts",
      () => ({ texts: textsOf(allRec.values), error: String(all.error) }),
    );
    await all.end();
    await conversations.end();
    await Promise.all([allRec.finished, convRec.finished]);
  });
});
