// ReplicationApi/SubscribeEnvelopes: headers at once, an empty first frame, catch-up from the
// vector cursor, then live delivery; keepalives; the cursor skips what the client has; stop().
import net from "node:net";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import {
  SubscribeEnvelopesRequestSchema,
  type SubscribeEnvelopesResponse,
  SubscribeEnvelopesResponseSchema,
} from "@x/proto/xmtpv4/message_api";
import { PayerApi } from "@x/proto/xmtpv4/payer_api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEnvelope } from "../d14n/envelopes.js";
import {
  type D14nTestNode,
  groupMessageEnvelope,
  groupTopic,
  startD14nNode,
} from "../test-utils/d14n.js";
import { privateMessage } from "../test-utils/mls-bytes.js";
import { grpcFrame, rawCall, within } from "../test-utils/raw-grpc.js";

const SUBSCRIBE = "/xmtp.xmtpv4.message_api.ReplicationApi/SubscribeEnvelopes";
const G = new Uint8Array(16).fill(0x41);
const G2 = new Uint8Array(16).fill(0x42);
let tag = 0;
const app = (g = G) => groupMessageEnvelope(g, privateMessage(g, 1, Uint8Array.of(++tag)));
const commit = (g = G) => groupMessageEnvelope(g, privateMessage(g, 3, Uint8Array.of(++tag)));

const ids = (r: SubscribeEnvelopesResponse) =>
  r.envelopes.map((e) => {
    const u = openEnvelope(e).unsigned;
    return `${u.originatorNodeId}:${u.originatorSequenceId}`;
  });

/** Reads a server stream into frames the test can wait for one at a time. */
function reader(t: D14nTestNode, req: MessageInitShape<typeof SubscribeEnvelopesRequestSchema>) {
  const controller = new AbortController();
  const frames: SubscribeEnvelopesResponse[] = [];
  const waiting: (() => void)[] = [];
  let error: unknown;
  let ended = false;
  const done = (async () => {
    try {
      for await (const f of t.replication.subscribeEnvelopes(req, { signal: controller.signal })) {
        frames.push(f);
        for (const w of waiting.splice(0)) w();
      }
    } catch (e) {
      error = e;
    } finally {
      ended = true;
      for (const w of waiting.splice(0)) w();
    }
  })();
  let read = 0;
  return {
    /** The next frame (fails if the stream ended first or nothing comes within 3 s). */
    async next(): Promise<SubscribeEnvelopesResponse> {
      const deadline = Date.now() + 3_000;
      while (frames.length <= read) {
        if (ended) throw new Error(`stream ended: ${String(error)}`);
        if (Date.now() > deadline) throw new Error("timed out waiting for a frame");
        await new Promise<void>((r) => {
          waiting.push(r);
          setTimeout(r, 50);
        });
      }
      return frames[read++]!;
    },
    /** Frames received and not read yet. */
    unread: () => frames.slice(read),
    end: async () => {
      await done;
      return error;
    },
    close: () => controller.abort(),
  };
}

describe("SubscribeEnvelopes", () => {
  let t: D14nTestNode;
  beforeEach(async () => {
    t = await startD14nNode();
  });
  afterEach(async () => {
    await t.stop();
  });

  it("sends headers at once and an empty response first, before anything is stored", async () => {
    const body = toBinary(
      SubscribeEnvelopesRequestSchema,
      create(SubscribeEnvelopesRequestSchema, { query: { topics: [groupTopic(G)] } }),
    );
    const call = rawCall(t.node.d14nUrl!, SUBSCRIBE, grpcFrame(body));
    const headers = await within(call.headers, 2_000, "headers");
    expect(headers[":status"]).toBe(200);
    expect(headers["content-type"]).toMatch(/^application\/grpc/);
    expect(headers["grpc-status"]).toBeUndefined();
    const first = await within(call.nextMessage(), 2_000, "first frame");
    expect(first).toHaveLength(0);
    expect(fromBinary(SubscribeEnvelopesResponseSchema, first).envelopes).toEqual([]);
    await t.payer.publishClientEnvelopes({ envelopes: [app()] });
    const live = fromBinary(
      SubscribeEnvelopesResponseSchema,
      await within(call.nextMessage(), 2_000, "live frame"),
    );
    expect(ids(live)).toEqual(["100:1"]);
    call.close();
  });

  it("catches up from last_seen (missing originators from 0), then delivers live envelopes of its topics only", async () => {
    await t.payer.publishClientEnvelopes({ envelopes: [commit(), app(), app(), app(G2)] });
    // Stored on G: 0:1, 100:1, 100:2 (and 100:3 on G2).
    const s = reader(t, {
      query: { topics: [groupTopic(G)], lastSeen: { nodeIdToSequenceId: { 100: 1n } } },
    });
    expect((await s.next()).envelopes).toEqual([]);
    expect(ids(await s.next())).toEqual(["0:1", "100:2"]);
    await t.payer.publishClientEnvelopes({ envelopes: [app(G2), app()] });
    expect(ids(await s.next())).toEqual(["100:5"]);
    await t.payer.publishClientEnvelopes({ envelopes: [commit()] });
    expect(ids(await s.next())).toEqual(["0:2"]);
    expect(s.unread()).toEqual([]);
    s.close();
  });

  it("without last_seen, does not catch up: only what is published after it opened", async () => {
    await t.payer.publishClientEnvelopes({ envelopes: [commit(), app()] });
    const s = reader(t, { query: { topics: [groupTopic(G)] } });
    expect((await s.next()).envelopes).toEqual([]);
    await t.payer.publishClientEnvelopes({ envelopes: [app()] });
    expect(ids(await s.next())).toEqual(["100:2"]);
    s.close();
  });

  it("skips live envelopes at or below its cursor", async () => {
    const s = reader(t, {
      query: { topics: [groupTopic(G)], lastSeen: { nodeIdToSequenceId: { 100: 2n } } },
    });
    expect((await s.next()).envelopes).toEqual([]);
    await t.payer.publishClientEnvelopes({ envelopes: [app(), app(), app(), commit()] });
    expect(ids(await s.next())).toEqual(["100:3"]);
    expect(ids(await s.next())).toEqual(["0:1"]);
    s.close();
  });

  it("subscribes by originator (every topic) and to everything", async () => {
    await t.payer.publishClientEnvelopes({ envelopes: [commit(), app(), commit(G2)] });
    const commits = reader(t, { query: { originatorNodeIds: [0], lastSeen: {} } });
    const all = reader(t, { query: {} });
    expect((await commits.next()).envelopes).toEqual([]);
    expect(ids(await commits.next())).toEqual(["0:1", "0:2"]);
    expect((await all.next()).envelopes).toEqual([]);
    await t.payer.publishClientEnvelopes({ envelopes: [app(G2), commit()] });
    expect(ids(await commits.next())).toEqual(["0:3"]);
    expect(ids(await all.next())).toEqual(["100:2"]);
    expect(ids(await all.next())).toEqual(["0:3"]);
    commits.close();
    all.close();
  });

  it("refuses a subscription by topic and originator together", async () => {
    const s = reader(t, { query: { topics: [groupTopic(G)], originatorNodeIds: [0] } });
    const e = await s.end();
    expect(ConnectError.from(e).code).toBe(Code.InvalidArgument);
    expect(ConnectError.from(e).rawMessage).toContain("cannot filter by both topic and originator");
  });

  it("sends an empty response whenever the stream has been idle for the keepalive interval", async () => {
    await t.stop();
    t = await startD14nNode({ d14nKeepaliveMs: 100 });
    const s = reader(t, { query: { topics: [groupTopic(G)] } });
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect((await s.next()).envelopes).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await t.payer.publishClientEnvelopes({ envelopes: [app()] });
    let frame = await s.next();
    while (frame.envelopes.length === 0) frame = await s.next();
    expect(ids(frame)).toEqual(["100:1"]);
    s.close();
  });

  it("ends open streams with Unavailable at stop() and closes the d14n port", async () => {
    const s = reader(t, { query: { topics: [groupTopic(G)] } });
    expect((await s.next()).envelopes).toEqual([]);
    const url = t.node.d14nUrl!;
    // An idle gRPC-web (HTTP/1.1 keep-alive) connection and one that never said anything must
    // not hold stop() up either.
    const web = createClient(
      PayerApi,
      createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
    );
    await web.getNodes({});
    const silent = net.connect(t.node.d14nPort!, "127.0.0.1");
    silent.on("error", () => {});
    await new Promise<void>((r) => silent.once("connect", () => r()));
    const started = Date.now();
    await t.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ConnectError.from(await s.end()).code).toBe(Code.Unavailable);
    const e = await fetch(url, { method: "POST" }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(Error);
    expect(silent.destroyed || silent.readableEnded).toBe(true);
    // afterEach stops again: stop() is idempotent.
  });
});
