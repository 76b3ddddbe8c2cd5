// Streams of our client (@x/mls) through a real @x/node: between two of our clients and a
// libxmtp 1.5.4 sender, new conversations from libxmtp, and clean ends (return, end, abort, and a
// whole process that must exit on its own).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Conversation, DecodedMessage } from "@x/mls";
import { type RunningNode, startNode } from "@x/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Peer154, peer154, TempDir, textContent } from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { delay, record, textsOf, until } from "./test-utils/streams.js";

const EXIT_SCRIPT = fileURLToPath(new URL("./test-utils/stream-exit.mjs", import.meta.url));

describe("streams of our client through @x/node", () => {
  const dir = new TempDir();
  let node: RunningNode;
  let a: OurPeer;
  let b: OurPeer;
  let l: Peer154;

  beforeAll(async () => {
    node = await startNode({ port: 0, webPort: null, db: dir.file("node.sqlite") });
    a = await ourPeer(node.url, dir);
    b = await ourPeer(node.url, dir);
    l = await peer154(node.url, dir);
  });
  afterAll(async () => {
    await node?.stop();
    await a?.db.close();
    await b?.db.close();
    dir.remove();
  });

  it("delivers messages of two of ours and a libxmtp 1.5.4 sender in order, each once, own included, while sync runs too", async () => {
    const ga = await a.client.conversations.createGroup([b.client.inboxId, l.client.inboxId()]);
    await b.client.conversations.sync();
    const gb = (await b.client.conversations.getConversationById(ga.id))!;
    await l.client.conversations().sync();
    const gl = l.client.conversations().findGroupById(ga.id);
    await gl.sync();
    // Sent after b's last sync and before its streams start: the streams must catch it up.
    await ga.sendText("a0");

    const all = await b.client.conversations.streamAllMessages();
    const allRec = record(all);
    const one: DecodedMessage[] = [];
    const oneErrors: unknown[] = [];
    const groupStream = await gb.stream({
      onValue: (m) => one.push(m),
      onError: (e) => oneErrors.push(e),
    });

    // A concurrent syncer: the same messages reach the database through sync() too.
    let syncing = true;
    const syncer = (async () => {
      while (syncing) {
        await gb.sync();
        await delay(30);
      }
    })();

    const expected = ["a0"];
    for (let i = 1; i <= 3; i++) {
      await ga.sendText(`a${i}`);
      expected.push(`a${i}`);
      await gb.sendText(`b${i}`);
      expected.push(`b${i}`);
      await gl.sync();
      await gl.send(textContent(`l${i}`));
      expected.push(`l${i}`);
    }
    await until(
      () =>
        textsOf(allRec.values).length >= expected.length && textsOf(one).length >= expected.length,
      "both streams to deliver every message",
      () => ({ all: textsOf(allRec.values), one: textsOf(one) }),
    );
    await delay(500); // anything extra (a duplicate) would arrive now
    syncing = false;
    await syncer;

    expect(textsOf(allRec.values)).toEqual(expected);
    expect(textsOf(one)).toEqual(expected);
    for (const got of [allRec.values, one]) {
      expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
    }
    // own messages: b's come from b, once, and are marked published
    const own = allRec.values.filter((m) => m.senderInboxId === b.client.inboxId);
    expect(textsOf(own)).toEqual(["b1", "b2", "b3"]);
    expect(own.every((m) => m.deliveryStatus === "published")).toBe(true);
    const fromLib = allRec.values.filter((m) => m.senderInboxId === l.client.inboxId());
    expect(textsOf(fromLib)).toEqual(["l1", "l2", "l3"]);
    // stored exactly once, too
    expect(await ourTexts(gb)).toEqual(expected);

    await all.end();
    await groupStream.return();
    await allRec.finished;
    expect(all.isDone && groupStream.isDone).toBe(true);
    expect(oneErrors).toEqual([]);
    expect(b.skipped).toEqual([]);
  });

  it("streams new conversations (libxmtp's group and DM, our own group) and streamAllMessages picks up groups joined after it started", async () => {
    const convs = await b.client.conversations.stream();
    const convRec = record(convs);
    const dms: Conversation[] = [];
    const dmStream = await b.client.conversations.stream({
      conversationType: "dm",
      onValue: (c) => dms.push(c),
    });
    const all = await b.client.conversations.streamAllMessages({ conversationType: "group" });
    const allRec = record(all);

    const lg = await l.client.conversations().createGroupByInboxId([b.client.inboxId]);
    await until(
      () => convRec.values.some((c) => c.id === lg.id()),
      "libxmtp's group in the conversation stream",
      () => convRec.values.map((c) => c.id),
    );
    await lg.send(textContent("in the new group"));
    await until(
      () => textsOf(allRec.values).includes("in the new group"),
      "a message of a group joined after streamAllMessages started",
      () => textsOf(allRec.values),
    );

    const ldm = await l.client.conversations().createDmByInboxId(b.client.inboxId);
    await until(() => dms.some((c) => c.id === ldm.id()), "libxmtp's DM in the DM stream");
    await ldm.send(textContent("dm text"));

    const mine = await b.client.conversations.createGroup([a.client.inboxId], { name: "mine" });
    await until(() => convRec.values.some((c) => c.id === mine.id), "our own new group");
    await mine.sendText("in my group");
    await until(
      () => textsOf(allRec.values).includes("in my group"),
      "a message of a group we created after the stream started",
    );
    await delay(500);

    expect(convRec.values.map((c) => c.id)).toEqual([lg.id(), ldm.id(), mine.id]);
    expect(convRec.values.map((c) => c.conversationType)).toEqual(["group", "dm", "group"]);
    expect(dms.map((c) => c.id)).toEqual([ldm.id()]);
    // conversationType "group": the DM's text is not there
    expect(textsOf(allRec.values)).toEqual(["in the new group", "in my group"]);
    await Promise.all([convs.end(), dmStream.end(), all.end()]);
    await convRec.finished;
    expect(b.skipped).toEqual([]);
  });

  it("ends cleanly on return(), end() and an AbortSignal, and rejects bad options", async () => {
    const g = await a.client.conversations.createGroup([b.client.inboxId]);
    const s1 = await g.stream();
    const pending = s1.next();
    await s1.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(await s1.next()).toEqual({ value: undefined, done: true });

    const controller = new AbortController();
    let ended = 0;
    const s2 = await a.client.conversations.streamAllMessages({
      signal: controller.signal,
      onEnd: () => ended++,
    });
    const rec = record(s2);
    await g.sendText("seen");
    await until(() => textsOf(rec.values).includes("seen"), "the message before the abort");
    controller.abort();
    await s2.done;
    await rec.finished;
    expect(s2.isDone).toBe(true);
    expect(ended).toBe(1);

    const already = AbortSignal.abort();
    const s3 = await a.client.conversations.stream({ signal: already });
    await s3.done;
    expect(await s3.next()).toEqual({ value: undefined, done: true });

    await expect(
      a.client.conversations.streamAllMessages({ conversationType: "channel" as never }),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
    await expect(
      a.client.conversations.streamAllMessages({ consentStates: ["maybe" as never] }),
    ).rejects.toMatchObject({ code: "CLIENT_INVALID_ARGUMENT" });
  });

  it("leaves no handles behind: a process that streams, ends its streams and stops its node exits by itself", async () => {
    const child = spawn(process.execPath, [EXIT_SCRIPT, dir.path], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += String(d);
    });
    child.stderr.on("data", (d) => {
      err += String(d);
    });
    let exitedAt = 0;
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 40_000);
      child.on("exit", (c) => {
        exitedAt = Date.now();
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect({ code, err: err.slice(-2000) }).toEqual({ code: 0, err: "" });
    const report = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(report).toMatchObject({ received: ["one", "two"], done: [true, true, true] });
    // exits within moments of its last line (nothing left waiting)
    expect(exitedAt - report.endedAt).toBeLessThan(3_000);
  });
});
