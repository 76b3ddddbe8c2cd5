import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  type GroupMessage,
  GroupMessageSchema,
  SubscribeGroupMessagesRequestSchema,
  SubscribeWelcomeMessagesRequestSchema,
} from "@x/proto/mls/api/v1";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { privateMessage } from "../test-utils/mls-bytes.js";
import { startTestNode, type TestNode } from "../test-utils/node.js";
import { grpcFrame, rawCall, within } from "../test-utils/raw-grpc.js";

const SUB_GROUP = "/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages";
const SUB_WELCOME = "/xmtp.mls.api.v1.MlsApi/SubscribeWelcomeMessages";
const G = Uint8Array.of(0x11, 0x22);

const send = (t: TestNode, group: Uint8Array, n: number, tag = 0) =>
  t.mls.sendGroupMessages({
    messages: Array.from({ length: n }, (_, i) => ({
      version: {
        case: "v1" as const,
        value: {
          data: privateMessage(group, 1, Uint8Array.of(tag, i >> 8, i & 0xff)),
          shouldPush: true,
        },
      },
    })),
  });

const idOf = (m: GroupMessage) => m.version.value!.id;

describe("subscriptions", () => {
  let t: TestNode;
  beforeEach(async () => {
    t = await startTestNode();
  });
  afterEach(async () => {
    await t.stop();
  });

  it("sends response headers at once, before any message exists (libxmtp waits for them)", async () => {
    for (const [path, body] of [
      [
        SUB_GROUP,
        toBinary(
          SubscribeGroupMessagesRequestSchema,
          create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: G }] }),
        ),
      ],
      [
        SUB_WELCOME,
        toBinary(
          SubscribeWelcomeMessagesRequestSchema,
          create(SubscribeWelcomeMessagesRequestSchema, {
            filters: [{ installationKey: Uint8Array.of(5) }],
          }),
        ),
      ],
    ] as const) {
      const call = rawCall(t.node.url, path, grpcFrame(body));
      const headers = await within(call.headers, 2_000, `headers of ${path}`);
      expect(headers[":status"]).toBe(200);
      expect(headers["content-type"]).toMatch(/^application\/grpc/);
      expect(headers["grpc-status"]).toBeUndefined();
      call.close();
    }
  });

  it("delivers a live message on a stream opened over raw HTTP/2", async () => {
    const body = toBinary(
      SubscribeGroupMessagesRequestSchema,
      create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: G }] }),
    );
    const call = rawCall(t.node.url, SUB_GROUP, grpcFrame(body));
    await within(call.headers, 2_000, "headers");
    await send(t, G, 1);
    const msg = fromBinary(GroupMessageSchema, await within(call.nextMessage(), 2_000, "message"));
    expect(msg.version.value?.groupId).toEqual(G);
    call.close();
  });

  it("replays from the cursor, then goes live without gaps or duplicates", async () => {
    await send(t, G, 150, 1);
    await send(t, Uint8Array.of(0x99), 3, 2); // another group: must not appear
    const controller = new AbortController();
    const seen: bigint[] = [];
    const stream = t.mls.subscribeGroupMessages(
      { filters: [{ groupId: G, idCursor: 20n }] },
      { signal: controller.signal },
    );
    const reader = (async () => {
      try {
        for await (const m of stream) {
          seen.push(idOf(m));
          expect(m.version.value?.groupId).toEqual(G);
          if (seen.length === 130 + 60) controller.abort();
        }
      } catch (e) {
        if (!(e instanceof ConnectError && e.code === Code.Canceled)) throw e;
      }
    })();
    // Send while the subscriber is catching up.
    for (let i = 0; i < 6; i++) await send(t, G, 10, 10 + i);
    await within(reader, 10_000, "stream of 190 messages");
    const stored = await t.mls.queryGroupMessages({
      groupId: G,
      pagingInfo: { direction: 1, limit: 100, idCursor: 20n },
    });
    const rest = await t.mls.queryGroupMessages({
      groupId: G,
      pagingInfo: { direction: 1, limit: 100, idCursor: 120n },
    });
    const expected = [...stored.messages, ...rest.messages].map(idOf);
    expect(expected).toHaveLength(190);
    expect(seen).toEqual(expected);
  });

  it("merges filters for the same group and sends each message once", async () => {
    await send(t, G, 3);
    const controller = new AbortController();
    const seen: bigint[] = [];
    const stream = t.mls.subscribeGroupMessages(
      {
        filters: [
          { groupId: G, idCursor: 2n },
          { groupId: G, idCursor: 0n },
        ],
      },
      { signal: controller.signal },
    );
    try {
      for await (const m of stream) {
        seen.push(idOf(m));
        if (seen.length === 3) controller.abort();
      }
    } catch {}
    expect(seen).toEqual([1n, 2n, 3n]);
  });

  it("streams welcomes and welcome pointers, V1 and pointer alike", async () => {
    const key = Uint8Array.of(7, 7, 7);
    const controller = new AbortController();
    const stream = t.mls.subscribeWelcomeMessages(
      { filters: [{ installationKey: key }] },
      { signal: controller.signal },
    );
    const got: string[] = [];
    const reader = (async () => {
      try {
        for await (const w of stream) {
          got.push(w.version.case!);
          if (got.length === 2) controller.abort();
        }
      } catch {}
    })();
    await new Promise((r) => setTimeout(r, 50));
    await t.mls.sendWelcomeMessages({
      messages: [
        {
          version: {
            case: "v1",
            value: {
              installationKey: key,
              data: Uint8Array.of(1),
              hpkePublicKey: Uint8Array.of(2),
              wrapperAlgorithm: 2,
            },
          },
        },
        {
          version: {
            case: "welcomePointer",
            value: {
              installationKey: key,
              welcomePointer: Uint8Array.of(3),
              hpkePublicKey: Uint8Array.of(4),
              wrapperAlgorithm: 2,
            },
          },
        },
      ],
    });
    await within(reader, 5_000, "two welcomes");
    expect(got).toEqual(["v1", "welcomePointer"]);
  });

  it("refuses a welcome subscription without filters", async () => {
    const error = await (async () => {
      for await (const _ of t.mls.subscribeWelcomeMessages({ filters: [] })) {
      }
    })().catch((e) => e);
    expect(ConnectError.from(error).code).toBe(Code.InvalidArgument);
    const error2 = await (async () => {
      for await (const _ of t.mls.subscribeWelcomeMessages({
        filters: [{ installationKey: new Uint8Array() }],
      })) {
      }
    })().catch((e) => e);
    expect(ConnectError.from(error2).code).toBe(Code.InvalidArgument);
  });

  it("works over gRPC-web (HTTP/1.1) too", async () => {
    await send(t, G, 2);
    const controller = new AbortController();
    const seen: bigint[] = [];
    try {
      for await (const m of t.webMls.subscribeGroupMessages(
        { filters: [{ groupId: G }] },
        { signal: controller.signal },
      )) {
        seen.push(idOf(m));
        if (seen.length === 2) await send(t, G, 1, 9);
        if (seen.length === 3) controller.abort();
      }
    } catch (e) {
      expect(ConnectError.from(e).code).toBe(Code.Canceled);
    }
    expect(seen).toEqual([1n, 2n, 3n]);
    const res = await t.webMls.queryGroupMessages({ groupId: G, pagingInfo: { direction: 1 } });
    expect(res.messages.map(idOf)).toEqual([1n, 2n, 3n]);
  });

  it("frees the subscription when the client goes away", async () => {
    const body = toBinary(
      SubscribeGroupMessagesRequestSchema,
      create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: G }] }),
    );
    const call = rawCall(t.node.url, SUB_GROUP, grpcFrame(body));
    await within(call.headers, 2_000, "headers");
    call.close();
    await new Promise((r) => setTimeout(r, 100));
    // The node keeps serving, and a new subscriber still gets live messages.
    const again = rawCall(t.node.url, SUB_GROUP, grpcFrame(body));
    await within(again.headers, 2_000, "headers");
    await send(t, G, 1);
    const msg = fromBinary(GroupMessageSchema, await within(again.nextMessage(), 2_000, "message"));
    expect(msg.version.value?.id).toBe(1n);
    again.close();
  });
});

describe("shutdown", () => {
  it("ends open streams with Unavailable and finishes cleanly", async () => {
    const t = await startTestNode();
    const body = toBinary(
      SubscribeWelcomeMessagesRequestSchema,
      create(SubscribeWelcomeMessagesRequestSchema, {
        filters: [{ installationKey: Uint8Array.of(1) }],
      }),
    );
    const call = rawCall(t.node.url, SUB_WELCOME, grpcFrame(body));
    await within(call.headers, 2_000, "headers");
    const stopped = t.stop();
    const trailers = await within(call.end, 5_000, "stream end");
    expect(trailers["grpc-status"]).toBe(String(Code.Unavailable));
    expect(decodeURIComponent(String(trailers["grpc-message"]))).toContain("shutting down");
    await within(stopped, 6_000, "stop");
  });
});
