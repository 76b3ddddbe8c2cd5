import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { privateMessage } from "../test-utils/mls-bytes.js";
import { startTestNode } from "../test-utils/node.js";
import { clientAddress, RateLimiter, rpcCost } from "./rate-limit.js";

describe("RateLimiter", () => {
  it("refills over time and refuses when the bucket is empty", () => {
    let now = 0;
    const limiter = new RateLimiter({ defaultPerMinute: 60, defaultBurst: 2, now: () => now });
    limiter.take("a", "default");
    limiter.take("a", "default");
    expect(() => limiter.take("a", "default")).toThrow(ConnectError);
    limiter.take("b", "default"); // another client has its own bucket
    now += 1_000; // one token per second
    limiter.take("a", "default");
    expect(() => limiter.take("a", "default")).toThrow(/rate limit/);
  });

  it("charges sends per message from the publish bucket", () => {
    expect(rpcCost("SendGroupMessages", { messages: [1, 2, 3] })).toEqual({
      kind: "publish",
      cost: 3,
    });
    expect(rpcCost("PublishIdentityUpdate", {})).toEqual({ kind: "publish", cost: 1 });
    expect(rpcCost("QueryGroupMessages", {})).toEqual({ kind: "default", cost: 1 });
  });

  it("keys clients by the first x-forwarded-for entry, else the peer address", () => {
    expect(clientAddress({ "x-forwarded-for": "1.2.3.4, 5.6.7.8" }, "9.9.9.9")).toBe("1.2.3.4");
    expect(clientAddress({}, "9.9.9.9")).toBe("9.9.9.9");
    expect(clientAddress({}, undefined)).toBe("ip_unknown");
  });
});

describe("rate limiting on the node", () => {
  it("is off by default", async () => {
    const t = await startTestNode();
    try {
      for (let i = 0; i < 30; i++) await t.mls.queryGroupMessages({ groupId: Uint8Array.of(1) });
    } finally {
      await t.stop();
    }
  });

  it("answers ResourceExhausted once a client's bucket is empty, for unary calls and streams", async () => {
    const t = await startTestNode({
      rateLimit: { defaultPerMinute: 1, defaultBurst: 3, publishPerMinute: 1, publishBurst: 2 },
    });
    try {
      const G = Uint8Array.of(1);
      const send = (n: number) =>
        t.mls.sendGroupMessages({
          messages: Array.from({ length: n }, (_, i) => ({
            version: {
              case: "v1" as const,
              value: { data: privateMessage(G, 1, Uint8Array.of(n, i)) },
            },
          })),
        });
      await send(2);
      const e1 = await send(1).catch((e) => e);
      expect(ConnectError.from(e1).code).toBe(Code.ResourceExhausted);
      for (let i = 0; i < 3; i++) await t.mls.queryGroupMessages({ groupId: G });
      const e2 = await t.mls.queryGroupMessages({ groupId: G }).catch((e) => e);
      expect(ConnectError.from(e2).code).toBe(Code.ResourceExhausted);
      const e3 = await (async () => {
        for await (const _ of t.mls.subscribeGroupMessages({ filters: [{ groupId: G }] })) break;
      })().catch((e) => e);
      expect(ConnectError.from(e3).code).toBe(Code.ResourceExhausted);
    } finally {
      await t.stop();
    }
  });
});
