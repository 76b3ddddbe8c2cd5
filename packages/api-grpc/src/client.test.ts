// The Connect client against a small in-test server: headers, deadlines, stream endings and
// error mapping. (Every RPC against the real @x/node is tested in tooling/interop.)
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ApiError, XmtpApi } from "@x/api";
import {
  GroupMessageSchema,
  MlsApi,
  QueryGroupMessagesRequestSchema,
  QueryWelcomeMessagesRequestSchema,
  SendGroupMessagesRequestSchema,
  SendWelcomeMessagesRequestSchema,
  SubscribeGroupMessagesRequestSchema,
} from "@x/proto/mls/api/v1";
import { afterEach, describe, expect, it } from "vitest";
import { CLIENT_VERSION } from "./client.js";
import { createGrpcApiClient } from "./node.js";

type Impl = Partial<ServiceImpl<typeof MlsApi>>;

interface TestServer {
  url: string;
  headers: http.IncomingHttpHeaders[];
  kill(): void;
  close(): Promise<void>;
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(impl: Impl, kind: "h2" | "h1" = "h2"): Promise<TestServer> {
  const headers: http.IncomingHttpHeaders[] = [];
  const handler = connectNodeAdapter({
    routes: (router) => router.service(MlsApi, impl),
  });
  const sockets = new Set<import("node:net").Socket>();
  const onRequest = (
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ) => {
    headers.push(req.headers as http.IncomingHttpHeaders);
    handler(req, res);
  };
  const server =
    kind === "h2"
      ? http2.createServer((req, res) => onRequest(req, res))
      : http.createServer((req, res) => onRequest(req, res));
  server.on("connection", (s: import("node:net").Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const s: TestServer = {
    url: `http://127.0.0.1:${port}`,
    headers,
    kill: () => {
      for (const sock of sockets) sock.destroy();
    },
    close: () =>
      new Promise((r) => {
        s.kill();
        server.close(() => r());
      }),
  };
  servers.push(s);
  return s;
}

const G = Uint8Array.of(1);
const message = (id: bigint) =>
  create(GroupMessageSchema, { version: { case: "v1", value: { id, groupId: G } } });

describe("createGrpcApiClient", () => {
  it("speaks gRPC over h2c and sends x-app-version and x-client-version", async () => {
    const s = await serve({ queryGroupMessages: () => ({ messages: [message(5n)] }) });
    const client = createGrpcApiClient({ url: s.url, appVersion: "my-app/1.2" });
    const res = await client.queryGroupMessages(
      create(QueryGroupMessagesRequestSchema, { groupId: G }),
    );
    expect(res.messages[0]?.version.value?.id).toBe(5n);
    expect(s.headers[0]?.["x-app-version"]).toBe("my-app/1.2");
    expect(s.headers[0]?.["x-client-version"]).toBe(CLIENT_VERSION);
    expect(s.headers[0]?.["content-type"]).toBe("application/grpc+proto");
  });

  it("speaks gRPC-web over HTTP/1.1 when asked", async () => {
    const s = await serve({ queryGroupMessages: () => ({ messages: [message(6n)] }) }, "h1");
    const client = createGrpcApiClient({ url: s.url, protocol: "grpc-web" });
    const res = await client.queryGroupMessages(
      create(QueryGroupMessagesRequestSchema, { groupId: G }),
    );
    expect(res.messages[0]?.version.value?.id).toBe(6n);
    expect(s.headers[0]?.["content-type"]).toBe("application/grpc-web+proto");
    expect(s.headers[0]?.["x-app-version"]).toBe("0.0.0");
  });

  it("maps server errors to typed ApiErrors with stable codes", async () => {
    const s = await serve({
      sendGroupMessages: () => {
        throw new ConnectError("invalid group message", Code.InvalidArgument);
      },
      sendWelcomeMessages: () => {
        throw new ConnectError("slow down", Code.ResourceExhausted);
      },
    });
    const client = createGrpcApiClient({ url: s.url });
    const e1 = await client
      .sendGroupMessages(create(SendGroupMessagesRequestSchema))
      .catch((e) => e);
    expect(e1).toBeInstanceOf(ApiError);
    expect([e1.code, e1.retryable, e1.rpc]).toEqual([
      "api.invalid_argument",
      false,
      "xmtp.mls.api.v1.MlsApi/SendGroupMessages",
    ]);
    expect(e1.message).toContain("invalid group message");
    const e2 = await client
      .sendWelcomeMessages(create(SendWelcomeMessagesRequestSchema))
      .catch((e) => e);
    expect([e2.code, e2.retryable]).toEqual(["api.resource_exhausted", true]);
  });

  it("gives up at the deadline with a retryable DeadlineExceeded", async () => {
    const s = await serve({
      queryWelcomeMessages: async (_req, ctx) => {
        await new Promise((r) => setTimeout(r, 2_000));
        ctx.signal.throwIfAborted();
        return {};
      },
    });
    const client = createGrpcApiClient({ url: s.url, timeoutMs: 100 });
    const started = Date.now();
    const e = await client
      .queryWelcomeMessages(create(QueryWelcomeMessagesRequestSchema))
      .catch((err) => err);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect([e.code, e.retryable]).toEqual(["api.deadline_exceeded", true]);
  });

  it("reports a node that is not there as a lost connection, and the wrapper retries it", async () => {
    const s = await serve({});
    await s.close();
    const client = createGrpcApiClient({ url: s.url });
    const retries: number[] = [];
    const api = new XmtpApi(client, {
      retry: { maxAttempts: 3, initialDelayMs: 1 },
      onRetry: ({ attempt }) => retries.push(attempt),
    });
    const e = await api.queryLatestGroupMessage(G).catch((err) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e.retryable).toBe(true);
    expect(["api.connection_lost", "api.unavailable"]).toContain(e.code);
    expect(retries).toEqual([1, 2]);
  });

  it("streams as an async iterable that ends cleanly when aborted", async () => {
    const s = await serve({
      async *subscribeGroupMessages(_req, ctx) {
        yield message(1n);
        yield message(2n);
        await new Promise((r) => ctx.signal.addEventListener("abort", r));
      },
    });
    const client = createGrpcApiClient({ url: s.url });
    const controller = new AbortController();
    const seen: bigint[] = [];
    const req = create(SubscribeGroupMessagesRequestSchema);
    for await (const m of client.subscribeGroupMessages(req, { signal: controller.signal })) {
      seen.push(m.version.value!.id);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toEqual([1n, 2n]);
  });

  it("surfaces a typed error when the server goes away mid-stream", async () => {
    const s = await serve({
      async *subscribeGroupMessages(_req, ctx) {
        yield message(1n);
        await new Promise((r) => ctx.signal.addEventListener("abort", r));
      },
    });
    const client = createGrpcApiClient({ url: s.url });
    const req = create(SubscribeGroupMessagesRequestSchema);
    const seen: bigint[] = [];
    const error = await (async () => {
      for await (const m of client.subscribeGroupMessages(req)) {
        seen.push(m.version.value!.id);
        s.kill();
      }
    })().catch((e) => e);
    expect(seen).toEqual([1n]);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.retryable).toBe(true);
  });

  it("refuses URLs it cannot reach a node with", () => {
    expect(() => createGrpcApiClient({ url: "localhost:5556" })).toThrow(TypeError);
    expect(() => createGrpcApiClient({ url: "ftp://x" })).toThrow(/http:\/\/ .*https:\/\//);
  });
});
