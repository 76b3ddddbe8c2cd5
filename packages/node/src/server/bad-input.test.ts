// Malformed protobuf, truncated and oversized gRPC frames: each gets a gRPC error, the node keeps
// serving, and stored data is unchanged.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  SendGroupMessagesRequestSchema,
  SubscribeGroupMessagesRequestSchema,
} from "@x/proto/mls/api/v1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateMessage } from "../test-utils/mls-bytes.js";
import { startTestNode, type TestNode } from "../test-utils/node.js";
import { grpcFrame, rawCall, within } from "../test-utils/raw-grpc.js";

const G = Uint8Array.of(3, 3);
const SEND = "/xmtp.mls.api.v1.MlsApi/SendGroupMessages";
const QUERY = "/xmtp.mls.api.v1.MlsApi/QueryGroupMessages";
const PUBLISH_ID = "/xmtp.identity.api.v1.IdentityApi/PublishIdentityUpdate";
const SUBSCRIBE = "/xmtp.mls.api.v1.MlsApi/SubscribeGroupMessages";
const LIMIT = 64 * 1024;

const validSend = toBinary(
  SendGroupMessagesRequestSchema,
  create(SendGroupMessagesRequestSchema, {
    messages: [
      { version: { case: "v1", value: { data: privateMessage(G, 1, Uint8Array.of(7)) } } },
    ],
  }),
);

describe("bad input on the wire", () => {
  let t: TestNode;
  let snapshot: () => Promise<string>;
  beforeAll(async () => {
    t = await startTestNode({ maxMessageBytes: LIMIT });
    await t.mls.sendGroupMessages({
      messages: [
        { version: { case: "v1", value: { data: privateMessage(G, 1, Uint8Array.of(1)) } } },
      ],
    });
    snapshot = async () => {
      const res = await t.mls.queryGroupMessages({ groupId: G, pagingInfo: { direction: 1 } });
      const inboxes = await t.node.store.db.selectFrom("inbox_log").select("sequence_id").execute();
      return JSON.stringify([
        res.messages.map((m) => m.version.value!.id.toString()),
        inboxes.length,
      ]);
    };
  });
  afterAll(async () => {
    await t.stop();
  });

  const cases: [string, string, Uint8Array, [Code]][] = [
    [
      "a body that is not protobuf",
      SEND,
      grpcFrame(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)),
      [Code.Internal],
    ],
    [
      "protobuf with a wrong wire type",
      SEND,
      grpcFrame(Uint8Array.of(0x0d, 1, 2, 3, 4)),
      [Code.Internal],
    ],
    [
      "a length prefix longer than the body",
      SEND,
      grpcFrame(validSend).subarray(0, 20),
      [Code.InvalidArgument],
    ],
    ["an envelope cut inside its header", SEND, Uint8Array.of(0, 0, 0), [Code.InvalidArgument]],
    ["a compressed frame without an encoding", SEND, grpcFrame(validSend, 1), [Code.Internal]],
    [
      "a frame over the size limit",
      SEND,
      grpcFrame(new Uint8Array(LIMIT + 10)),
      [Code.ResourceExhausted],
    ],
    [
      "an identity update that is not protobuf",
      PUBLISH_ID,
      grpcFrame(Uint8Array.of(0x0a, 0x80)),
      [Code.Internal],
    ],
    [
      "a subscription request that is not protobuf",
      SUBSCRIBE,
      grpcFrame(Uint8Array.of(0x0a, 0x05, 1)),
      [Code.Internal],
    ],
    [
      "a subscription frame over the size limit",
      SUBSCRIBE,
      grpcFrame(new Uint8Array(LIMIT + 10)),
      [Code.ResourceExhausted],
    ],
    [
      "a truncated subscription frame",
      SUBSCRIBE,
      grpcFrame(Uint8Array.of(1, 2, 3, 4)).subarray(0, 7),
      [Code.InvalidArgument],
    ],
  ];

  for (const [what, path, body, codes] of cases) {
    it(`answers ${what} with a gRPC error and changes nothing`, async () => {
      const before = await snapshot();
      const call = rawCall(t.node.url, path, body);
      const end = await within(call.end, 5_000, what);
      const status = Number(end["grpc-status"]);
      expect(status).not.toBe(0);
      expect(codes).toEqual([status]);
      expect(await snapshot()).toBe(before);
    });
  }

  it("still serves after all of that", async () => {
    const call = rawCall(t.node.url, SEND, grpcFrame(validSend));
    expect((await within(call.end, 5_000, "valid send"))["grpc-status"]).toBe("0");
    const res = await t.mls.queryGroupMessages({ groupId: G, pagingInfo: { direction: 1 } });
    expect(res.messages).toHaveLength(2);
    const q = rawCall(t.node.url, QUERY, grpcFrame(new Uint8Array()));
    expect((await within(q.end, 5_000, "query"))["grpc-status"]).toBe(String(Code.InvalidArgument));
    const sub = rawCall(
      t.node.url,
      SUBSCRIBE,
      grpcFrame(
        toBinary(
          SubscribeGroupMessagesRequestSchema,
          create(SubscribeGroupMessagesRequestSchema, { filters: [{ groupId: G }] }),
        ),
      ),
    );
    expect((await within(sub.headers, 2_000, "headers"))[":status"]).toBe(200);
    expect((await within(sub.nextMessage(), 2_000, "replayed message")).length).toBeGreaterThan(0);
    sub.close();
  });
});
