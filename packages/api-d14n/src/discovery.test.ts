// Node discovery as libxmtp 1.9.1 does it (GetNodes, scheme filter, health race), plus the
// re-discovery 1.9.1 lacks.
import { create } from "@bufbuild/protobuf";
import { ApiError } from "@x/api";
import { QueryGroupMessagesRequestSchema } from "@x/proto/mls/api/v1";
import { describe, expect, it } from "vitest";
import { D14nApiError } from "./errors.js";
import { clientOf, GROUP, network } from "./test-utils/helpers.js";

const query = create(QueryGroupMessagesRequestSchema, { groupId: GROUP });

describe("node discovery", () => {
  it("asks the gateway for nodes, health-checks them and reads from the node, once", async () => {
    const gateway = await network({ nodes: () => ({}) });
    const node = await network();
    gateway.nodes = () => ({ 100: node.url });
    const chosen: unknown[] = [];
    const client = clientOf(gateway, { appVersion: "app/1", onNodeChosen: (n) => chosen.push(n) });
    await client.queryGroupMessages(query);
    await client.queryGroupMessages(query);
    expect(gateway.callsOf("getNodes")).toHaveLength(1);
    expect(gateway.callsOf("getNodes")[0]?.headers["x-app-version"]).toBe("app/1");
    expect(node.callsOf("healthCheck")).toHaveLength(1);
    expect(node.callsOf("queryEnvelopes")).toHaveLength(2);
    expect(gateway.callsOf("queryEnvelopes")).toHaveLength(0);
    expect(chosen).toEqual([expect.objectContaining({ id: 100, url: node.url })]);
  });

  it("picks the node that answers the health check first", async () => {
    const slow = await network({ healthDelayMs: 400 });
    const fast = await network();
    const gateway = await network({ nodes: () => ({ 1: slow.url, 2: fast.url }) });
    await clientOf(gateway).queryGroupMessages(query);
    expect(fast.callsOf("queryEnvelopes")).toHaveLength(1);
    expect(slow.callsOf("queryEnvelopes")).toHaveLength(0);
  });

  it("refuses node URLs whose scheme does not match the gateway's", async () => {
    const gateway = await network({ nodes: () => ({ 100: "https://node.example:443" }) });
    const e = await clientOf(gateway)
      .queryGroupMessages(query)
      .catch((err) => err);
    expect(e).toBeInstanceOf(D14nApiError);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.reason, e.code, e.retryable]).toEqual([
      "scheme_mismatch",
      "api.failed_precondition",
      false,
    ]);
    expect(e.message).toContain("https://node.example:443");
  });

  it("fails with no_nodes when GetNodes is empty, and tries again on the next read", async () => {
    const gateway = await network({ nodes: () => ({}) });
    const client = clientOf(gateway);
    const e = await client.queryGroupMessages(query).catch((err) => err);
    expect([e.reason, e.code, e.retryable]).toEqual(["no_nodes", "api.unavailable", true]);
    gateway.nodes = (self) => ({ 100: self });
    await expect(client.queryGroupMessages(query)).resolves.toBeDefined();
    expect(gateway.callsOf("getNodes")).toHaveLength(2);
  });

  it("fails with no_healthy_node when no node answers the health check", async () => {
    const noHealth = await network({ health: false });
    const slow = await network({ healthDelayMs: 2_000 });
    const gateway = await network({ nodes: () => ({ 1: noHealth.url, 2: slow.url }) });
    const started = Date.now();
    const e = await clientOf(gateway, { healthTimeoutMs: 200 })
      .queryGroupMessages(query)
      .catch((err) => err);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect([e.reason, e.code]).toEqual(["no_healthy_node", "api.unavailable"]);
    expect(e.message).toContain("200 ms");
  });

  it("discovers again after the chosen node keeps losing the connection", async () => {
    const first = await network();
    const second = await network();
    const gateway = await network({ nodes: () => ({ 100: first.url }) });
    const client = clientOf(gateway, { rediscoverAfter: 3 });
    await client.queryGroupMessages(query);
    await first.close();
    gateway.nodes = () => ({ 101: second.url });
    for (let i = 0; i < 3; i++) {
      const e = await client.queryGroupMessages(query).catch((err) => err);
      expect([e.code, e.retryable]).toEqual(["api.connection_lost", true]);
    }
    expect(gateway.callsOf("getNodes")).toHaveLength(1);
    await client.queryGroupMessages(query);
    expect(gateway.callsOf("getNodes")).toHaveLength(2);
    expect(second.callsOf("queryEnvelopes")).toHaveLength(1);
  });

  it("reads from a fixed nodeUrl without GetNodes or health checks", async () => {
    const gateway = await network();
    const node = await network();
    await clientOf(gateway, { nodeUrl: node.url }).queryGroupMessages(query);
    expect(gateway.calls).toHaveLength(0);
    expect(node.callsOf("healthCheck")).toHaveLength(0);
    expect(node.callsOf("queryEnvelopes")).toHaveLength(1);
  });
});
