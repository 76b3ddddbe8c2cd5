import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  SendGroupMessagesRequestSchema,
  SubscribeGroupMessagesRequestSchema,
} from "@x/proto/mls/api/v1";
import { afterEach, describe, expect, it } from "vitest";
import { privateMessage } from "../test-utils/mls-bytes.js";
import { startTestNode, type TestNode } from "../test-utils/node.js";

const G = Uint8Array.of(0x31, 0x32);

describe("onCall (per-call counter for benchmarks)", () => {
  let t: TestNode | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it("reports each unary call with its request size in protobuf bytes", async () => {
    const calls: [string, number][] = [];
    t = await startTestNode({ onCall: (m, b) => calls.push([m, b]) });
    const request = create(SendGroupMessagesRequestSchema, {
      messages: [{ version: { case: "v1", value: { data: privateMessage(G, 1) } } }],
    });
    await t.mls.sendGroupMessages(request);
    await t.mls.queryGroupMessages({ groupId: G });
    expect(calls).toEqual([
      ["SendGroupMessages", toBinary(SendGroupMessagesRequestSchema, request).length],
      ["QueryGroupMessages", 4],
    ]);
  });

  it("reports server streams when they open", async () => {
    const calls: [string, number][] = [];
    t = await startTestNode({ onCall: (m, b) => calls.push([m, b]) });
    const abort = new AbortController();
    const stream = t.mls.subscribeGroupMessages(
      { filters: [{ groupId: G }] },
      {
        signal: abort.signal,
      },
    );
    const it = stream[Symbol.asyncIterator]();
    const first = it.next();
    // The call is counted when the node opens the stream, before any message flows.
    while (calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    await t.mls.sendGroupMessages({
      messages: [{ version: { case: "v1", value: { data: privateMessage(G, 1) } } }],
    });
    await first;
    abort.abort();
    await it.return?.();
    const size = toBinary(
      SubscribeGroupMessagesRequestSchema,
      create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: G }] }),
    ).length;
    expect(calls[0]).toEqual(["SubscribeGroupMessages", size]);
    expect(calls.map((c) => c[0])).toContain("SendGroupMessages");
  });

  it("does not count calls refused by the rate limiter", async () => {
    const calls: string[] = [];
    t = await startTestNode({
      onCall: (m) => calls.push(m),
      rateLimit: { defaultBurst: 1, defaultPerMinute: 0 },
    });
    await t.mls.queryGroupMessages({ groupId: G });
    const refused = await t.mls.queryGroupMessages({ groupId: G }).catch((e) => e);
    expect(ConnectError.from(refused).code).toBe(Code.ResourceExhausted);
    expect(calls).toEqual(["QueryGroupMessages"]);
  });

  it("is off by default: the node serves calls without it", async () => {
    t = await startTestNode();
    const res = await t.mls.queryGroupMessages({ groupId: G });
    expect(res.messages).toEqual([]);
  });
});
