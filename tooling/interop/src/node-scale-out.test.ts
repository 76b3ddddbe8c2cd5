// Two @x/node instances on one PostgreSQL database (scale-out): clients on either node are in
// the same groups; a stream on one node delivers what was sent through the other (welcomes and
// messages), once each and in order, under concurrent load from both sides. A libxmtp 1.9.1 member
// on the second node reads the same messages in the same order.
import { type RunningNode, startNode } from "@x/node";
import { type PostgresServer, startPostgres } from "@x/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  peer191,
  type SdkConversation,
  TempDir,
  texts191,
} from "./test-utils/libxmtp.js";
import { type OurPeer, ourPeer, ourTexts } from "./test-utils/our-client.js";
import { record, textsOf, until } from "./test-utils/streams.js";

const PER_SENDER = 40;

describe("two nodes on one Postgres database", () => {
  const dir = new TempDir();
  let server: PostgresServer;
  const nodes: RunningNode[] = [];
  const peers: OurPeer[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("create database scale_out");
    await admin.end();
    const url = server.url.replace(/\/postgres$/, "/scale_out");
    // One after the other: the first one migrates the database.
    nodes.push(await startNode({ port: 0, webPort: null, db: url }));
    nodes.push(await startNode({ port: 0, webPort: null, db: url }));
  }, 60_000);
  afterAll(async () => {
    for (const p of peers) await p.client.close().catch(() => {});
    for (const n of nodes) await n.stop();
    await server?.stop();
    dir.remove();
  });

  it("streams what the other node stored, once each and in order, under load from both", async () => {
    const [one, two] = nodes as [RunningNode, RunningNode];
    const a = await ourPeer(one.url, dir);
    const b = await ourPeer(two.url, dir);
    peers.push(a, b);
    const l = await peer191(two.url, dir);

    // The welcome goes through node one; b's conversation stream is on node two.
    const joined = await b.client.conversations.stream();
    const group = await a.client.conversations.createGroup([b.client.inboxId, l.inboxId]);
    const { value: gb } = await joined.next();
    await joined.end();
    expect(gb?.id).toBe(group.id);

    const stream = await b.client.conversations.streamAllMessages();
    const seen = record(stream);
    const texts = (who: string) => Array.from({ length: PER_SENDER }, (_, i) => `${who}-${i}`);
    const started = performance.now();
    await Promise.all([
      (async () => {
        for (const t of texts("a")) await group.sendText(t);
      })(),
      (async () => {
        for (const t of texts("b")) await gb!.sendText(t);
      })(),
    ]);
    const ms = performance.now() - started;
    await until(
      () => textsOf(seen.values).length >= 2 * PER_SENDER,
      "b's stream to deliver every message",
      () => {
        const got = new Set(textsOf(seen.values));
        return [...texts("a"), ...texts("b")].filter((t) => !got.has(t));
      },
    );
    await stream.end();
    const streamed = textsOf(seen.values);
    expect(streamed).toHaveLength(2 * PER_SENDER);
    expect(new Set(streamed).size).toBe(streamed.length);
    expect(streamed.filter((t) => t.startsWith("a-"))).toEqual(texts("a"));
    expect(streamed.filter((t) => t.startsWith("b-"))).toEqual(texts("b"));

    await group.sync();
    const fromA = await ourTexts(group);
    expect(fromA).toHaveLength(2 * PER_SENDER);
    await gb!.sync();
    expect(await ourTexts(gb!)).toEqual(fromA);
    await l.conversations.sync();
    const gl = (await l.conversations.getConversationById(group.id)) as SdkConversation;
    await eventually(
      async () => JSON.stringify(await texts191(gl)) === JSON.stringify(fromA),
      "libxmtp on node two to read the same messages in the same order",
    );
    console.log(
      `scale-out: ${JSON.stringify({ messages: 2 * PER_SENDER, ms: Math.round(ms), perSecond: Math.round((2 * PER_SENDER * 1000) / ms) })}`,
    );
  }, 120_000);
});
