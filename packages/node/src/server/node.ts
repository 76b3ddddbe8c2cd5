// The local XMTP node: MlsApi, IdentityApi and Health over gRPC (HTTP/2 cleartext, prior
// knowledge, like xmtp-node-go on 5556) and gRPC-web (HTTP/1.1, like the Envoy proxy on 5557).
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, createContextKey, createContextValues, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { SmartContractSignatureVerifier } from "@x/id";
import { Health } from "@x/proto/grpc/health/v1";
import { IdentityApi } from "@x/proto/identity/api/v1";
import {
  GroupMessageSchema,
  MlsApi,
  SubscribeGroupMessagesRequestSchema,
  SubscribeWelcomeMessagesRequestSchema,
  WelcomeMessageSchema,
} from "@x/proto/mls/api/v1";
import { Broker } from "../broker.js";
import { IdIdentityValidator } from "../identity/id-validator.js";
import type { IdentityUpdateValidator } from "../identity/validator.js";
import { healthService } from "../services/health.js";
import { IdentityService } from "../services/identity.js";
import { MlsService } from "../services/mls.js";
import { NodeStore, type StoredGroupMessage, type StoredWelcome } from "../store/store.js";
import {
  type Request,
  type Response,
  type StreamMethod,
  type StreamServeOptions,
  serveServerStream,
} from "./grpc-stream.js";
import { clientAddress, RateLimiter, type RateLimitOptions, rpcCost } from "./rate-limit.js";

export const DEFAULT_PORT = 5556;
export const DEFAULT_WEB_PORT = 5557;
/** node-go accepts up to 50 MB per message; libxmtp sends at most 25 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 50 * 1024 * 1024;

export interface NodeOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** gRPC (h2c) port; 0 picks a free one (default 5556). */
  port?: number;
  /** gRPC-web (HTTP/1.1) port; 0 picks a free one, null serves none (default 5557). */
  webPort?: number | null;
  /** SQLite file, ":memory:", or a postgres:// URL (default ":memory:"). Ignored with `store`. */
  db?: string;
  /** An already open store (the caller keeps it: stop() leaves it open). */
  store?: NodeStore;
  /**
   * Verifies identity updates and applies them to the inbox state. Default: @x/id's rules
   * (IdIdentityValidator), with `scwVerifier` for smart-contract wallets.
   */
  identityValidator?: IdentityUpdateValidator;
  /**
   * Verifies smart-contract-wallet signatures, in identity updates and for
   * VerifySmartContractWalletSignatures (e.g. @x/id's MultiChainVerifier.fromUrls). Without it,
   * such signatures are refused.
   */
  scwVerifier?: SmartContractSignatureVerifier;
  /** Per-client rate limiting (off by default); `true` uses node-go's limits. */
  rateLimit?: RateLimitOptions | boolean;
  maxMessageBytes?: number;
  /** Clock in nanoseconds since the epoch (replaceable in tests). */
  now?: () => bigint;
  /** Where to write one-line log messages (default: nowhere). */
  log?: (line: string) => void;
  /**
   * Called once per accepted RPC (unary or server stream) with the method's name (e.g.
   * "SendGroupMessages") and the size of its request message in protobuf bytes, for
   * benchmarks and metrics. Off by default; the request is only re-encoded when set.
   */
  onCall?: (method: string, requestBytes: number) => void;
}

export interface RunningNode {
  /** http://host:port of the gRPC listener, for libxmtp and @x/api-grpc. */
  url: string;
  port: number;
  /** http://host:port of the gRPC-web listener, if any. */
  webUrl: string | undefined;
  webPort: number | undefined;
  store: NodeStore;
  /**
   * Stops accepting calls, ends open streams with Unavailable, lets in-flight calls finish (up to
   * 5 s), then closes the store it opened.
   */
  stop(): Promise<void>;
}

const kClient = createContextKey<string>("ip_unknown", { description: "client address" });

const defaultNow = () => BigInt(Date.now()) * 1_000_000n;

function listen(
  server: http.Server | http2.Http2Server,
  port: number,
  host: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "grpc-status, grpc-message, grpc-status-details-bin",
};

export async function startNode(options: NodeOptions): Promise<RunningNode> {
  const host = options.host ?? "127.0.0.1";
  const now = options.now ?? defaultNow;
  const log = options.log ?? (() => {});
  const readMaxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const store = options.store ?? (await NodeStore.open({ db: options.db ?? ":memory:" }));
  const shutdown = new AbortController();
  const limiter =
    options.rateLimit === true
      ? new RateLimiter()
      : options.rateLimit
        ? new RateLimiter(options.rateLimit)
        : undefined;

  const groupBroker = new Broker<StoredGroupMessage>();
  const welcomeBroker = new Broker<StoredWelcome>();
  const mls = new MlsService({ store, groupBroker, welcomeBroker, now });
  const identity = new IdentityService({
    store,
    validator:
      options.identityValidator ?? new IdIdentityValidator({ scwVerifier: options.scwVerifier }),
    scwVerifier: options.scwVerifier,
    now,
  });

  const onCall = options.onCall;
  const count = <T extends DescMessage>(method: string, schema: T, message: MessageShape<T>) => {
    if (onCall) onCall(method, toBinary(schema, message).length);
  };
  // Unary calls: counted after the rate limiter admitted them. Server streams are counted in
  // their `open` below (they do not pass through Connect's interceptors).
  const counter: Interceptor = (next) => async (req) => {
    if (onCall && !req.stream) count(req.method.name, req.method.input, req.message);
    return next(req);
  };

  const rateLimit: Interceptor = (next) => async (req) => {
    if (limiter) {
      const { kind, cost } = rpcCost(req.method.name, req.stream ? undefined : req.message);
      limiter.take(req.contextValues.get(kClient), kind, cost);
    }
    return next(req);
  };

  const connectHandler = connectNodeAdapter({
    grpc: true,
    grpcWeb: true,
    connect: false,
    readMaxBytes,
    writeMaxBytes: readMaxBytes,
    shutdownSignal: shutdown.signal,
    interceptors: [rateLimit, counter],
    contextValues: (req) =>
      createContextValues().set(kClient, clientAddress(req.headers, req.socket?.remoteAddress)),
    // A method we do not serve gets a gRPC status (Unimplemented), not a bare HTTP 404.
    fallback: (req, res) => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      const web = String(req.headers["content-type"] ?? "").startsWith("application/grpc-web");
      res.writeHead(200, {
        "content-type": web ? "application/grpc-web+proto" : "application/grpc",
        "grpc-status": String(Code.Unimplemented),
        "grpc-message": encodeURIComponent(`unknown method ${path.slice(0, 200)}`),
      });
      res.end();
    },
    routes(router) {
      router.service(MlsApi, {
        sendGroupMessages: async (req) => {
          await mls.sendGroupMessages(req);
          return {};
        },
        sendWelcomeMessages: async (req) => {
          await mls.sendWelcomeMessages(req);
          return {};
        },
        uploadKeyPackage: async (req) => {
          await mls.uploadKeyPackage(req);
          return {};
        },
        registerInstallation: (req) => mls.registerInstallation(req),
        fetchKeyPackages: (req) => mls.fetchKeyPackages(req),
        queryGroupMessages: (req) => mls.queryGroupMessages(req),
        queryWelcomeMessages: (req) => mls.queryWelcomeMessages(req),
        batchPublishCommitLog: async (req) => {
          await mls.batchPublishCommitLog(req);
          return {};
        },
        batchQueryCommitLog: (req) => mls.batchQueryCommitLog(req),
        getNewestGroupMessage: (req) => mls.getNewestGroupMessage(req),
        // Served by serveServerStream (headers flushed at once); listed so Connect knows them.
        subscribeGroupMessages: async function* (req, ctx) {
          yield* await mls.subscribeGroupMessages(req, ctx.signal);
        },
        subscribeWelcomeMessages: async function* (req, ctx) {
          yield* await mls.subscribeWelcomeMessages(req, ctx.signal);
        },
        // RevokeInstallation, GetIdentityUpdates (legacy) and the XIP-83 Subscribe are not
        // implemented by node-go either: Connect answers Unimplemented.
      });
      router.service(IdentityApi, {
        publishIdentityUpdate: (req) => identity.publishIdentityUpdate(req),
        getIdentityUpdates: (req) => identity.getIdentityUpdates(req),
        getInboxIds: (req) => identity.getInboxIds(req),
        verifySmartContractWalletSignatures: (req) =>
          identity.verifySmartContractWalletSignatures(req),
      });
      router.service(
        Health,
        healthService(() => !shutdown.signal.aborted),
      );
    },
  });

  const streamOptions: StreamServeOptions = {
    readMaxBytes,
    shutdownSignal: shutdown.signal,
    admit: limiter
      ? (r) => limiter.take(clientAddress(r.headers, r.socket?.remoteAddress), "default", 1)
      : undefined,
  };
  const subscribeGroup: StreamMethod<
    typeof SubscribeGroupMessagesRequestSchema,
    typeof GroupMessageSchema
  > = {
    input: SubscribeGroupMessagesRequestSchema,
    output: GroupMessageSchema,
    open: (req, signal) => {
      count(MlsApi.method.subscribeGroupMessages.name, SubscribeGroupMessagesRequestSchema, req);
      return mls.subscribeGroupMessages(req, signal);
    },
  };
  const subscribeWelcome: StreamMethod<
    typeof SubscribeWelcomeMessagesRequestSchema,
    typeof WelcomeMessageSchema
  > = {
    input: SubscribeWelcomeMessagesRequestSchema,
    output: WelcomeMessageSchema,
    open: (req, signal) => {
      count(
        MlsApi.method.subscribeWelcomeMessages.name,
        SubscribeWelcomeMessagesRequestSchema,
        req,
      );
      return mls.subscribeWelcomeMessages(req, signal);
    },
  };
  const streams = new Map<string, (req: Request, res: Response) => Promise<void>>([
    [
      `/${MlsApi.typeName}/${MlsApi.method.subscribeGroupMessages.name}`,
      (req, res) => serveServerStream(subscribeGroup, req, res, streamOptions),
    ],
    [
      `/${MlsApi.typeName}/${MlsApi.method.subscribeWelcomeMessages.name}`,
      (req, res) => serveServerStream(subscribeWelcome, req, res, streamOptions),
    ],
  ]);

  const handle = (req: Request, res: Response) => {
    const path = (req.url ?? "").split("?")[0]!;
    const stream = streams.get(path);
    if (stream) {
      stream(req, res).catch((e) => {
        log(`stream ${path} failed: ${(e as Error).message}`);
        res.destroy();
      });
      return;
    }
    connectHandler(req, res);
  };

  // gRPC over HTTP/2 cleartext with prior knowledge (what tonic speaks for http:// URLs).
  const sessions = new Set<http2.ServerHttp2Session>();
  const h2 = http2.createServer({ maxSessionMemory: 128 }, handle);
  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  // The raw connections too: a session destroyed in the middle of a stream can leave its socket
  // open, and the server does not report closed while any is.
  const sockets = new Set<import("node:net").Socket>();
  h2.on("connection", (socket: import("node:net").Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  // gRPC-web over HTTP/1.1 for browsers (what the Envoy proxy provides in front of node-go).
  const web =
    options.webPort === null
      ? undefined
      : http.createServer({ requestTimeout: 0, keepAliveTimeout: 5_000 }, (req, res) => {
          for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
          if (req.method === "OPTIONS") {
            res.writeHead(204, {
              "access-control-allow-methods": "POST, OPTIONS",
              "access-control-allow-headers":
                req.headers["access-control-request-headers"] ??
                "content-type, x-grpc-web, x-user-agent, grpc-timeout, x-app-version, x-libxmtp-version, x-client-version",
              "access-control-max-age": "86400",
            });
            res.end();
            return;
          }
          handle(req, res);
        });

  let port: number;
  let webPort: number | undefined;
  try {
    port = await listen(h2, options.port ?? DEFAULT_PORT, host);
    if (web) webPort = await listen(web, options.webPort ?? DEFAULT_WEB_PORT, host);
  } catch (e) {
    h2.close();
    web?.close();
    if (!options.store) await store.close();
    throw e;
  }
  const urlHost = host.includes(":") ? `[${host}]` : host;
  log(
    `xmtp node: gRPC on http://${urlHost}:${port}${webPort ? `, gRPC-web on http://${urlHost}:${webPort}` : ""}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      shutdown.abort();
      const closed = Promise.all([
        new Promise<void>((r) => h2.close(() => r())),
        web ? new Promise<void>((r) => web.close(() => r())) : Promise.resolve(),
      ]);
      // Let in-flight calls finish (streams were just told to end), then cut what is left.
      for (const s of sessions) s.close();
      web?.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const s of sessions) s.destroy();
        for (const socket of sockets) socket.destroy();
        web?.closeAllConnections();
      }, 5_000);
      await closed;
      clearTimeout(timer);
      if (!options.store) await store.close();
      log("xmtp node stopped");
    })();
    return stopping;
  };

  return {
    url: `http://${urlHost}:${port}`,
    port,
    webUrl: webPort === undefined ? undefined : `http://${urlHost}:${webPort}`,
    webPort,
    store,
    stop,
  };
}
